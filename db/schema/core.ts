import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are stored as integer milliseconds since the epoch (UTC). */
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/**
 * `admin` does anything, `read` reads anything, a capability scope reads and writes its capability.
 * `ingest` only sends events (a Segment write key, safe to embed in a web page): it opens no admin route.
 */
export const API_SCOPES = ["admin", "read", "referrals", "feedback", "status", "emails", "kpis", "ingest"] as const;
export type ApiScope = (typeof API_SCOPES)[number];
/** The scopes an admin route may require. */
export type AdminScope = Exclude<ApiScope, "ingest">;

/** Every person the host app names. Capabilities point here; none keeps its own copy. */
export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    externalId: text("external_id").notNull(),
    email: text("email"),
    name: text("name"),
    timezone: text("timezone"),
    traits: text("traits", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    firstSeenAt: integer("first_seen_at").notNull().default(now),
    lastSeenAt: integer("last_seen_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("contacts_external_id_uq").on(t.externalId),
    index("contacts_email_idx").on(t.email),
    index("contacts_last_seen_idx").on(t.lastSeenAt),
    // KPIs count members (contacts first seen before a day) without reading every contact.
    index("contacts_first_seen_idx").on(t.firstSeenAt),
  ],
);

/**
 * Other ids a contact was known by: `anon:<anonymousId>` of a visitor merged into the contact
 * (Segment `alias`, or a call naming both ids). Later calls with only that id land on the contact.
 */
export const contactAliases = sqliteTable(
  "contact_aliases",
  {
    alias: text("alias").primaryKey(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("contact_aliases_contact_idx").on(t.contactId)],
);

/** Accounts (Segment `group`): the companies or teams contacts belong to, with their traits. */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    /** The host app's group id. */
    externalId: text("external_id").notNull(),
    name: text("name"),
    traits: text("traits", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    firstSeenAt: integer("first_seen_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("accounts_external_id_uq").on(t.externalId)],
);

/** Which accounts a contact belongs to (a contact may belong to several). */
export const accountMembers = sqliteTable(
  "account_members",
  {
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    joinedAt: integer("joined_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.accountId] }), index("account_members_account_idx").on(t.accountId)],
);

/** Admin API keys. Only the SHA-256 of the key is kept; `prefix` is what people recognise. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<ApiScope[]>().notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.hash)],
);

/** Responses to requests that carried an Idempotency-Key, replayed on a retry. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("idempotency_keys_uq").on(t.scope, t.key)],
);

/** Outbound webhook endpoints (Standard Webhooks). */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  description: text("description"),
  secret: text("secret").notNull(),
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  createdAt: integer("created_at").notNull().default(now),
});

/** One row per emit(); written in the caller's batch so an event exists iff its change does. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
    fannedOutAt: integer("fanned_out_at"),
  },
  (t) => [index("webhook_events_pending_idx").on(t.fannedOutAt, t.createdAt)],
);

export const DELIVERY_STATES = ["pending", "succeeded", "failed"] as const;

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    state: text("state", { enum: DELIVERY_STATES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_uq").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
  ],
);

/** Queue messages nobody could handle: kept for people to look at, never silently dropped. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    reason: text("reason").notNull(),
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [index("dead_letters_received_idx").on(t.receivedAt)],
);

/**
 * One row per cron tick, keyed by its scheduled time (a repeated tick records nothing new): when
 * it ran and what it enqueued, by message kind. The console's health page reads it; cron prunes it.
 */
export const cronRuns = sqliteTable("cron_runs", {
  scheduledAt: integer("scheduled_at").primaryKey(),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at").notNull(),
  enqueued: integer("enqueued").notNull(),
  byKind: text("by_kind", { mode: "json" }).$type<Record<string, number>>().notNull(),
  error: text("error"),
});

/**
 * One row per retention run (cron starts one an hour; the queue continues it while rows remain):
 * what it archived to R2 and pruned from D1, per table. The console's health page reads it.
 */
export const retentionRuns = sqliteTable("retention_runs", {
  id: text("id").primaryKey(),
  /** The time the run measures windows from (its cron tick's scheduled time). */
  at: integer("at").notNull(),
  startedAt: integer("started_at").notNull(),
  /** Null while the queue is still working through it. */
  finishedAt: integer("finished_at"),
  /** Rows pruned (or, for email bodies, emptied) per table. */
  pruned: text("pruned", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  /** Archive objects written per table. */
  archived: text("archived", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  error: text("error"),
});

/**
 * Where pruning of a table stands: raw rows before `boundary` (ms) are gone or going, and what is
 * shown of that time comes from rollups. Readers split at it so nothing is counted twice.
 */
export const retentionState = sqliteTable("retention_state", {
  name: text("name").primaryKey(),
  boundary: integer("boundary").notNull(),
});
