// Segment-compatible ingestion: contacts, traits, consent, accounts (group), merges of visitors
// (alias), events and the per-contact aggregates, all written in one batch. Aggregates are
// computed from exactly the event rows this batch inserted (by batch id), so a retried
// messageId changes nothing.
import { inArray, type SQL, sql } from "drizzle-orm";
import { type ConsentTopic, contacts } from "../../db/schema/index.ts";
import type { Person } from "../lib/contacts.ts";
import { chunk, type Db, execBatch } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { aliasInserts, dropMerged, mergeStatements } from "./merge.ts";
import type { AnyCallT } from "./schemas.ts";

type Normalized = {
  type: AnyCallT["type"];
  /** The contact it lands on: userId, or the known contact an anonymousId was merged into, or `anon:<id>`. */
  externalId: string;
  messageId: string;
  event?: string;
  properties: Record<string, unknown>;
  occurredAt: number;
  traits?: Record<string, unknown>;
  timezone?: string;
  consent?: Partial<Record<ConsentTopic, boolean>>;
  email?: string;
  name?: string;
  group?: { id: string; traits: Record<string, unknown> };
};

/** What a batch says around its calls. */
export type BatchMeta = { context?: AnyCallT["context"]; sentAt?: string };

const str = (v: unknown, max: number) => (typeof v === "string" && v.trim() ? v.trim().slice(0, max) : undefined);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const anon = (anonymousId: string) => `anon:${anonymousId}`;

/**
 * When a call happened. With `sentAt` (the call's, else the batch's) the sender's clock skew
 * is corrected as Segment does: receivedAt − (sentAt − timestamp). Future times become now.
 */
export function occurredAt(call: AnyCallT, batchSentAt: string | undefined, now: number): number {
  const when = call.timestamp ?? call.originalTimestamp;
  if (!when) return now;
  const sentAt = call.sentAt ?? batchSentAt;
  const at = sentAt ? now - (Date.parse(sentAt) - Date.parse(when)) : Date.parse(when);
  return Math.max(EPOCH_2000, Math.min(at, now));
}

/** One Segment call -> what Rapport keeps of it. */
function normalize(call: AnyCallT, externalId: string, meta: BatchMeta, now: number): Normalized {
  const context = { ...meta.context, ...call.context };
  const traits = (call.type === "identify" ? call.traits : undefined) ?? {};
  const known = { ...context.traits, ...traits };
  const first = str(known.first_name ?? known.firstName, 100);
  const last = str(known.last_name ?? known.lastName, 100);
  const email = str(known.email, 320);
  const prefs = context.consent?.categoryPreferences ?? {};
  const consent: Normalized["consent"] = {};
  for (const t of ["marketing", "product_updates", "status_notifications"] as const) {
    if (typeof prefs[t] === "boolean") consent[t] = prefs[t];
  }
  const base = {
    type: call.type,
    externalId,
    messageId: call.messageId ?? newId("seg", now),
    occurredAt: occurredAt(call, meta.sentAt, now),
    email: email && EMAIL.test(email) ? email : undefined,
    name: str(known.name, 200) ?? (first ? [first, last].filter(Boolean).join(" ") : undefined),
    timezone: str(context.timezone ?? known.timezone, 64),
    consent: Object.keys(consent).length ? consent : undefined,
    properties: {},
  };
  switch (call.type) {
    case "identify":
      return { ...base, traits };
    case "page":
    case "screen":
      return {
        ...base,
        event: call.type === "page" ? "page_viewed" : "screen_viewed",
        properties: { ...call.properties, name: call.name ?? undefined, category: call.category ?? undefined },
      };
    case "group":
      return { ...base, group: { id: call.groupId, traits: call.traits ?? {} } };
    case "alias":
      return base;
    case "track":
      return { ...base, event: call.event, properties: call.properties ?? {} };
  }
}

/**
 * Who each call is about. A call naming both ids, or an alias, links `anon:<anonymousId>` to
 * the user (the first link of an anonymousId wins, kept in contact_aliases); a call with only
 * an anonymousId lands on the user it was linked to. Two known users are never merged: an
 * alias whose previousId is a known user's id, or the userId itself, is ignored.
 */
async function resolveIdentities(db: Db, calls: AnyCallT[]) {
  const anonIds = new Set<string>();
  const previousIds = new Set<string>();
  for (const c of calls) {
    if (c.anonymousId) anonIds.add(anon(c.anonymousId));
    if (c.type === "alias") {
      anonIds.add(anon(c.previousId));
      previousIds.add(c.previousId);
    }
  }
  const links = new Map<string, string>();
  for (const part of chunk([...anonIds], 90)) {
    const rows = (await db.all(sql`select al.alias, c.external_id from contact_aliases al
      join contacts c on c.id = al.contact_id where al.alias in (${sql.join(
        part.map((a) => sql`${a}`),
        sql`, `,
      )})`)) as Array<{ alias: string; external_id: string }>;
    for (const r of rows) links.set(r.alias, r.external_id);
  }
  const knownUsers = new Set<string>();
  for (const part of chunk([...previousIds], 90)) {
    const rows = await db
      .select({ externalId: contacts.externalId })
      .from(contacts)
      .where(inArray(contacts.externalId, part));
    for (const r of rows) knownUsers.add(r.externalId);
  }
  const pairs: Array<{ alias: string; externalId: string }> = [];
  const ignored = new Set<AnyCallT>();
  const link = (alias: string, userId: string) => {
    if (links.has(alias)) return;
    links.set(alias, userId);
    pairs.push({ alias, externalId: userId });
  };
  for (const c of calls) {
    if (c.type === "alias") {
      const userId = c.userId as string; // required for alias by the schema
      if (c.previousId === userId || knownUsers.has(c.previousId)) ignored.add(c);
      else link(anon(c.previousId), userId);
    }
    if (c.userId && c.anonymousId) link(anon(c.anonymousId), c.userId);
  }
  const externalIdOf = (c: AnyCallT) =>
    c.userId ?? links.get(anon(c.anonymousId as string)) ?? anon(c.anonymousId as string);
  return { externalIdOf, pairs, ignored };
}

/** Writes `calls` (already validated). Returns how many were new, duplicates, and ignored. */
export async function ingest(db: Db, calls: AnyCallT[], meta: BatchMeta = {}, now = Date.now()) {
  const { externalIdOf, pairs, ignored } = await resolveIdentities(db, calls);
  const kept = calls.filter((c) => !ignored.has(c)).map((c) => normalize(c, externalIdOf(c), meta, now));
  const batchId = newId("ib", now);

  // One upsert per person, with the last known email and name from this batch.
  const people = new Map<string, Person>();
  for (const n of kept) {
    const p = people.get(n.externalId) ?? { externalId: n.externalId };
    people.set(n.externalId, { externalId: n.externalId, email: n.email ?? p.email, name: n.name ?? p.name });
  }
  const statements: Parameters<typeof execBatch>[1] = contactUpserts([...people.values()], now);
  statements.push(...aliasInserts(pairs, now));
  const mergeStart = statements.length;
  const merges = mergeStatements(
    pairs.map((p) => p.alias),
    now,
  );
  statements.push(...merges);

  for (const n of kept) {
    if (n.type !== "identify" && !n.timezone && !n.consent) continue;
    const traits = n.type === "identify" ? JSON.stringify(n.traits ?? {}) : "{}";
    statements.push(
      sql`update contacts set traits = json_patch(traits, ${traits}),
        timezone = coalesce(${n.timezone ?? null}, timezone) where external_id = ${n.externalId}`,
      sql`insert into email_profiles (contact_id, consent_marketing, consent_product_updates,
          consent_status_notifications, unsubscribed_at, traits_updated_at, updated_at)
        select id, ${bool(n.consent?.marketing)}, ${bool(n.consent?.product_updates)},
          ${bool(n.consent?.status_notifications)}, null, ${n.type === "identify" ? now : null}, ${now}
        from contacts where external_id = ${n.externalId}
        on conflict (contact_id) do update set
          consent_marketing = coalesce(excluded.consent_marketing, email_profiles.consent_marketing),
          consent_product_updates = coalesce(excluded.consent_product_updates, email_profiles.consent_product_updates),
          consent_status_notifications = coalesce(excluded.consent_status_notifications, email_profiles.consent_status_notifications),
          unsubscribed_at = case when ${n.consent && Object.values(n.consent).some(Boolean) ? 1 : 0} = 1
            then null else email_profiles.unsubscribed_at end,
          traits_updated_at = coalesce(excluded.traits_updated_at, email_profiles.traits_updated_at),
          updated_at = excluded.updated_at`,
    );
  }
  statements.push(...groupStatements(kept, now));

  const events = kept.filter((n) => n.event);
  const eventInserts = chunk(events, 16).map((part) => {
    const values = sql.join(
      part.map(
        (e) =>
          sql`(${newId("ev", now)}, ${e.messageId}, ${e.externalId}, ${e.event}, ${JSON.stringify(e.properties)}, ${e.occurredAt})`,
      ),
      sql`, `,
    );
    return sql`insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
      select v.column1, v.column2, c.id, v.column4, v.column5, v.column6, ${now}, ${batchId}
      from (values ${values}) v join contacts c on c.external_id = v.column3 where true
      on conflict (message_id) do nothing`;
  });
  const firstEventStatement = statements.length;
  statements.push(...eventInserts);
  if (events.length) statements.push(...aggregateStatements(batchId, now));

  const results = await execBatch(db, statements);
  await dropMerged(
    db,
    results
      .slice(mergeStart, mergeStart + merges.length)
      .flatMap((r) => (r.results as Array<{ id: string }>).map((x) => x.id)),
  );
  const inserted = results
    .slice(firstEventStatement, firstEventStatement + eventInserts.length)
    .reduce((s, r) => s + (r.meta?.changes ?? 0), 0);
  const others = kept.length - events.length;
  return { accepted: inserted + others, duplicates: events.length - inserted, ignored: ignored.size };
}

/** Group calls: each account's traits merged in call order, and the caller's membership. */
function groupStatements(kept: Normalized[], now: number): SQL[] {
  const accounts = new Map<string, Record<string, unknown>>();
  const members = new Map<string, { accountId: string; externalId: string }>();
  for (const n of kept) {
    if (!n.group) continue;
    accounts.set(n.group.id, { ...accounts.get(n.group.id), ...n.group.traits });
    members.set(JSON.stringify([n.group.id, n.externalId]), { accountId: n.group.id, externalId: n.externalId });
  }
  const accountRows = [...accounts].map(
    ([groupId, traits]) =>
      sql`(${newId("acc", now)}, ${groupId}, ${str(traits.name, 200) ?? null}, ${JSON.stringify(traits)}, ${now}, ${now})`,
  );
  const memberRows = [...members.values()].map((m) => sql`(${m.accountId}, ${m.externalId})`);
  return [
    ...chunk(accountRows, 16).map(
      (part) => sql`insert into accounts (id, external_id, name, traits, first_seen_at, updated_at)
        values ${sql.join(part, sql`, `)}
        on conflict (external_id) do update set name = coalesce(excluded.name, accounts.name),
          traits = json_patch(accounts.traits, excluded.traits), updated_at = excluded.updated_at`,
    ),
    ...chunk(memberRows, 45).map(
      (part) => sql`insert into account_members (contact_id, account_id, joined_at, updated_at)
        select c.id, a.id, ${now}, ${now} from (values ${sql.join(part, sql`, `)}) v
        join accounts a on a.external_id = v.column1 join contacts c on c.external_id = v.column2 where true
        on conflict (contact_id, account_id) do update set updated_at = excluded.updated_at`,
    ),
  ];
}

const bool = (v: boolean | undefined) => (v === undefined ? null : v ? 1 : 0);

/**
 * The shared contacts upsert (worker/lib/contacts.ts `contactUpsert`: create on first sight,
 * keep known fields a later mention omits), as multi-row statements: a batch of 500 calls
 * from as many people costs a few statements, not hundreds.
 */
function contactUpserts(people: Person[], now: number): SQL[] {
  const rows = people.map(
    (p) =>
      sql`(${newId("ct", now)}, ${p.externalId}, ${p.email?.toLowerCase() ?? null}, ${p.name ?? null}, ${now}, ${now})`,
  );
  return chunk(rows, 16).map(
    (part) => sql`insert into contacts (id, external_id, email, name, first_seen_at, last_seen_at)
      values ${sql.join(part, sql`, `)}
      on conflict (external_id) do update set email = coalesce(excluded.email, contacts.email),
        name = coalesce(excluded.name, contacts.name), last_seen_at = max(excluded.last_seen_at, contacts.last_seen_at)`,
  );
}

/** Per-contact aggregates from the rows batch `batchId` inserted. */
function aggregateStatements(batchId: string, now: number): SQL[] {
  return [
    sql`insert into contact_event_stats (contact_id, event, count, first_at, last_at, updated_at)
      select contact_id, event, count(*), min(occurred_at), max(occurred_at), ${now}
      from email_events where batch_id = ${batchId} group by contact_id, event
      on conflict (contact_id, event) do update set
        count = contact_event_stats.count + excluded.count,
        first_at = min(contact_event_stats.first_at, excluded.first_at),
        last_at = max(contact_event_stats.last_at, excluded.last_at),
        updated_at = excluded.updated_at`,
    sql`insert into contact_activity_days (contact_id, day, events)
      select contact_id, occurred_at / 86400000, count(*) from email_events where batch_id = ${batchId}
      group by contact_id, occurred_at / 86400000
      on conflict (contact_id, day) do update set events = contact_activity_days.events + excluded.events`,
    sql`insert into email_profiles (contact_id, first_event_at, last_event_at, event_count, updated_at)
      select contact_id, min(occurred_at), max(occurred_at), count(*), ${now}
      from email_events where batch_id = ${batchId} group by contact_id
      on conflict (contact_id) do update set
        first_event_at = min(coalesce(email_profiles.first_event_at, excluded.first_event_at), excluded.first_event_at),
        last_event_at = max(coalesce(email_profiles.last_event_at, excluded.last_event_at), excluded.last_event_at),
        event_count = email_profiles.event_count + excluded.event_count,
        updated_at = excluded.updated_at`,
  ];
}
