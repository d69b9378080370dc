// Tables of the emails capability. Every person is a row of `contacts`; these tables point at it.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** Consent topics a contact can opt in or out of. `transactional` is not a topic one leaves. */
export const CONSENT_TOPICS = ["marketing", "product_updates", "status_notifications"] as const;
export type ConsentTopic = (typeof CONSENT_TOPICS)[number];
export const EMAIL_TOPICS = [...CONSENT_TOPICS, "transactional"] as const;
export type EmailTopic = (typeof EMAIL_TOPICS)[number];

/**
 * queued -> (deferred ->) sending -> sent | failed. `suppressed` and `skipped` are final
 * decisions not to send; the row stays so the unique key keeps the decision made once.
 */
/**
 * `unknown`: a send whose outcome Rapport cannot learn (the consumer stopped, or the connection
 * broke, after the message may have reached an SMTP server or the send_email binding). It is not
 * sent again unless EMAIL_DELIVERY_GUARANTEE is at-least-once.
 */
export const MESSAGE_STATES = [
  "queued",
  "deferred",
  "sending",
  "sent",
  "failed",
  "suppressed",
  "skipped",
  "unknown",
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export const SKIP_REASONS = ["below_confidence", "no_consent", "exited", "no_address", "filtered"] as const;
export const DEFER_REASONS = ["capped", "quiet_hours", "incident", "delay"] as const;

/**
 * What emails knows of a contact beyond `contacts` (which holds traits and timezone):
 * consent per topic (null = never said: marketing is opt-in, the others opt-out) and the
 * activity aggregates kept current at ingestion, so triggers never scan raw events.
 */
export const emailProfiles = sqliteTable(
  "email_profiles",
  {
    contactId: text("contact_id")
      .primaryKey()
      .references(() => contacts.id, { onDelete: "cascade" }),
    consentMarketing: integer("consent_marketing", { mode: "boolean" }),
    consentProductUpdates: integer("consent_product_updates", { mode: "boolean" }),
    consentStatusNotifications: integer("consent_status_notifications", { mode: "boolean" }),
    /** Set when the contact left every topic (one-click unsubscribe without a topic). */
    unsubscribedAt: integer("unsubscribed_at"),
    firstEventAt: integer("first_event_at"),
    lastEventAt: integer("last_event_at"),
    eventCount: integer("event_count").notNull().default(0),
    /** Ingestion time of the last identify that changed traits (trait-threshold triggers scan this). */
    traitsUpdatedAt: integer("traits_updated_at"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("email_profiles_last_event_idx").on(t.lastEventAt),
    index("email_profiles_traits_updated_idx").on(t.traitsUpdatedAt),
  ],
);

/** Raw events as received (Segment track calls). `messageId` makes ingestion idempotent. */
export const emailEvents = sqliteTable(
  "email_events",
  {
    id: text("id").primaryKey(),
    messageId: text("message_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    properties: text("properties", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** When it happened (the sender's timestamp; may be in the past for backfills). */
    occurredAt: integer("occurred_at").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
    /** The ingestion request that wrote it: aggregates are updated from exactly the rows it added. */
    batchId: text("batch_id").notNull(),
  },
  (t) => [
    uniqueIndex("email_events_message_id_uq").on(t.messageId),
    index("email_events_batch_idx").on(t.batchId),
    index("email_events_occurred_idx").on(t.occurredAt),
    index("email_events_contact_idx").on(t.contactId, t.occurredAt),
    index("email_events_event_idx").on(t.event, t.occurredAt),
  ],
);

/** Per contact and event name: how often, first and last time. Kept current at ingestion. */
export const contactEventStats = sqliteTable(
  "contact_event_stats",
  {
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    count: integer("count").notNull().default(0),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
    /** Ingestion time of the last change: event-entry triggers read forward from a watermark on it. */
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.event] }),
    index("contact_event_stats_updated_idx").on(t.event, t.updatedAt),
    index("contact_event_stats_last_idx").on(t.event, t.lastAt),
  ],
);

/**
 * KPI rollup of events, kept forever (raw events may be pruned): per contact, event name and UTC day
 * (day = floor(ms / 86400000)), how many events and the sum of their `properties.amount`. Written in
 * the ingestion batch from exactly the rows that batch inserted, so a backfilled event updates its own
 * day; a merged visitor's rows move to the known contact; an erased contact's rows are deleted. CLV,
 * CAC, repeat purchase, retention, community activity and engagement score read it, and so do churn
 * risk (a contact's active days) and the timeline's days past the events window.
 */
export const contactEventDaily = sqliteTable(
  "contact_event_daily",
  {
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    day: integer("day").notNull(),
    count: integer("count").notNull(),
    amount: real("amount").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.event, t.day] }),
    // KPIs read days in a range, for every contact at once.
    index("contact_event_daily_day_idx").on(t.day, t.event, t.contactId),
  ],
);

/**
 * KPI rollup of sent email, kept forever (messages may be pruned): per UTC day of sending, messages
 * sent and how many of them were ever opened, clicked and unsubscribed from. Each count moves in the
 * same batch as the message's own change (claimed as sent, marked sent, first open, first click,
 * first unsubscribe); erasing a contact takes its messages out. Email engagement reads it.
 */
export const emailEngagementDaily = sqliteTable("email_engagement_daily", {
  day: integer("day").primaryKey(),
  sent: integer("sent").notNull().default(0),
  opened: integer("opened").notNull().default(0),
  clicked: integer("clicked").notNull().default(0),
  unsubscribed: integer("unsubscribed").notNull().default(0),
});

/**
 * Rebuilding the daily rollups from raw rows once, for rows written before the rollups existed:
 * per rollup, the next day to rebuild and the day the backfill stops at (the day after it began;
 * later days are written live). A rollup holds every raw row of a day `d` when `finishedAt` is set
 * or `d < nextDay`; only then may raw rows of `d` be pruned.
 */
export const rollupBackfills = sqliteTable("rollup_backfills", {
  rollup: text("rollup").primaryKey(),
  nextDay: integer("next_day").notNull(),
  endDay: integer("end_day").notNull(),
  finishedAt: integer("finished_at"),
});

/** Liquid templates: subject, HTML and text. */
export const emailTemplates = sqliteTable("email_templates", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  subject: text("subject").notNull(),
  html: text("html").notNull(),
  text: text("text").notNull(),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** A behaviour trigger: its rule is zod-validated data (see worker/emails/schemas.ts). */
export const emailTriggers = sqliteTable(
  "email_triggers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** entry, filters, delay, exit and conversion window, as validated by TriggerRule. */
    rule: text("rule", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    templateId: text("template_id")
      .notNull()
      .references(() => emailTemplates.id),
    topic: text("topic", { enum: EMAIL_TOPICS }).notNull().default("marketing"),
    minConfidence: real("min_confidence").notNull().default(0.7),
    /** Evaluation has seen everything up to this time (ms); the next tick reads forward from it. */
    watermark: integer("watermark").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("email_triggers_enabled_idx").on(t.enabled)],
);

/**
 * The outbox: one row per message, unique by idempotency key (for triggers:
 * trigger + contact + occurrence), so nothing is sent twice or lost.
 */
export const emailMessages = sqliteTable(
  "email_messages",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull(),
    // No foreign key: other capabilities queue mail in their own batches and must never fail on it.
    contactId: text("contact_id"),
    triggerId: text("trigger_id"),
    templateId: text("template_id"),
    topic: text("topic", { enum: EMAIL_TOPICS }).notNull(),
    toAddress: text("to_address"),
    subject: text("subject"),
    state: text("state", { enum: MESSAGE_STATES }).notNull().default("queued"),
    skipReason: text("skip_reason"),
    deferReason: text("defer_reason"),
    /** Whether any deferral was for the cap (the "capped" metric). */
    wasCapped: integer("was_capped", { mode: "boolean" }).notNull().default(false),
    confidence: real("confidence"),
    attempts: integer("attempts").notNull().default(0),
    sendAfter: integer("send_after").notNull(),
    provider: text("provider"),
    providerMessageId: text("provider_message_id"),
    lastError: text("last_error"),
    /** Sent again after an attempt of unknown outcome (at-least-once): the recipient may have it twice. */
    maybeDuplicate: integer("maybe_duplicate", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    claimedAt: integer("claimed_at"),
    sentAt: integer("sent_at"),
    openedAt: integer("opened_at"),
    clickedAt: integer("clicked_at"),
    opens: integer("opens").notNull().default(0),
    clicks: integer("clicks").notNull().default(0),
    unsubscribedAt: integer("unsubscribed_at"),
    convertedAt: integer("converted_at"),
  },
  (t) => [
    uniqueIndex("email_messages_idempotency_uq").on(t.idempotencyKey),
    index("email_messages_due_idx").on(t.state, t.sendAfter),
    index("email_messages_contact_idx").on(t.contactId, t.sentAt),
    index("email_messages_trigger_idx").on(t.triggerId, t.createdAt),
    index("email_messages_sent_idx").on(t.sentAt),
    // The outbox list, newest first, all or in one state.
    index("email_messages_created_idx").on(t.createdAt, t.id),
    index("email_messages_state_created_idx").on(t.state, t.createdAt, t.id),
  ],
);

/**
 * A message's bodies, in a table of their own: retention deletes the row and SQLite reuses its
 * pages (emptied in place, each old message kept a mostly empty page of its own).
 */
export const emailBodies = sqliteTable("email_bodies", {
  messageId: text("message_id")
    .primaryKey()
    .references(() => emailMessages.id, { onDelete: "cascade" }),
  html: text("html"),
  text: text("text"),
  /** Headers sent with the message (List-Unsubscribe and friends), kept for the outbox viewer. */
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
  /** Variables for rendering a trigger's template (event, entry details). */
  context: text("context", { mode: "json" }).$type<Record<string, unknown>>(),
});

/**
 * Messages per trigger, template and UTC day (day = floor(ms / 86400000) of the send, or of the
 * creation when never sent; '' when a message has no trigger or template). Retention folds each
 * message in here in the batch that prunes it, so trigger, template and engagement figures read
 * this plus the messages still in the outbox, and pruning changes none of them.
 */
export const emailMessageDays = sqliteTable(
  "email_message_days",
  {
    triggerId: text("trigger_id").notNull(),
    templateId: text("template_id").notNull(),
    day: integer("day").notNull(),
    messages: integer("messages").notNull().default(0),
    belowConfidence: integer("below_confidence").notNull().default(0),
    noConsent: integer("no_consent").notNull().default(0),
    capped: integer("capped").notNull().default(0),
    otherSkipped: integer("other_skipped").notNull().default(0),
    sent: integer("sent").notNull().default(0),
    opened: integer("opened").notNull().default(0),
    clicked: integer("clicked").notNull().default(0),
    unsubscribed: integer("unsubscribed").notNull().default(0),
    converted: integer("converted").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.triggerId, t.templateId, t.day] }),
    index("email_message_days_template_idx").on(t.templateId, t.day),
  ],
);

/** Tracked links of a message: clicks redirect to the stored URL, never one from the query string. */
export const emailLinks = sqliteTable(
  "email_links",
  {
    id: text("id").primaryKey(),
    messageId: text("message_id")
      .notNull()
      .references(() => emailMessages.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
  },
  (t) => [index("email_links_message_idx").on(t.messageId)],
);

/** Addresses never to mail again, by SHA-256 of the lowercased address: survives a GDPR erase. */
export const emailSuppressions = sqliteTable("email_suppressions", {
  emailHash: text("email_hash").primaryKey(),
  reason: text("reason", { enum: ["unsubscribed", "bounced", "complained", "erased", "manual"] }).notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Email providers whose webhooks authenticate with a secret Rapport issues (Postmark: Basic auth). */
export const WEBHOOK_PROVIDERS = ["postmark"] as const;

/**
 * Credentials made only for a provider's webhook, so no provider dashboard holds an API key that
 * reads data. Only the SHA-256 is kept; the secret is shown once.
 */
export const emailProviderSecrets = sqliteTable(
  "email_provider_secrets",
  {
    id: text("id").primaryKey(),
    provider: text("provider", { enum: WEBHOOK_PROVIDERS }).notNull(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("email_provider_secrets_hash_uq").on(t.hash)],
);

/**
 * Marketing email paused by incidents: one row per incident that paused it (status writes it in
 * the incident's batch). Marketing is paused while a row is open (`resumed_at` null). A manual
 * resume closes every open row, so only an incident not seen before pauses again. `period_id` is
 * the incident whose row began the pause the row belongs to (the pause's events are keyed by it).
 */
export const marketingPauses = sqliteTable(
  "marketing_pauses",
  {
    incidentId: text("incident_id").primaryKey(),
    incidentName: text("incident_name").notNull(),
    pageId: text("page_id").notNull(),
    pageName: text("page_name").notNull(),
    periodId: text("period_id").notNull(),
    pausedAt: integer("paused_at").notNull(),
    resumedAt: integer("resumed_at"),
    /** `incident` (it resolved, or stopped pausing) or the name of the person or key who resumed. */
    resumedBy: text("resumed_by"),
  },
  (t) => [index("marketing_pauses_open_idx").on(t.resumedAt, t.pausedAt)],
);
