// Segment-compatible ingestion: contacts, traits, consent, events and the per-contact aggregates,
// all written in one batch. Aggregates are computed from exactly the event rows this batch
// inserted (by batch id), so a retried messageId changes nothing.
import { type SQL, sql } from "drizzle-orm";
import type { ConsentTopic } from "../../db/schema/index.ts";
import type { Person } from "../lib/contacts.ts";
import { chunk, type Db } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import type { AnyCallT } from "./schemas.ts";
import { execBatch } from "./sql.ts";

type Normalized = {
  type: string;
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
};

const str = (v: unknown, max: number) => (typeof v === "string" && v.trim() ? v.trim().slice(0, max) : undefined);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One Segment call -> what Rapport keeps of it. Future times are clamped to now. */
function normalize(call: AnyCallT, batchContext: AnyCallT["context"], now: number): Normalized | null {
  if (call.type === "group" || call.type === "alias") return null;
  const context = { ...batchContext, ...call.context };
  const externalId = call.userId ? String(call.userId) : `anon:${call.anonymousId}`;
  const when = call.timestamp ?? call.originalTimestamp;
  const occurredAt = Math.min(when ? Date.parse(when) : now, now);
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
    type: call.type ?? "track",
    externalId,
    messageId: call.messageId ?? newId("seg", now),
    occurredAt,
    email: email && EMAIL.test(email) ? email : undefined,
    name: str(known.name, 200) ?? (first ? [first, last].filter(Boolean).join(" ") : undefined),
    timezone: str(context.timezone ?? known.timezone, 64),
    consent: Object.keys(consent).length ? consent : undefined,
  };
  if (call.type === "identify") return { ...base, properties: {}, traits };
  if (call.type === "page" || call.type === "screen") {
    return {
      ...base,
      event: call.type === "page" ? "page_viewed" : "screen_viewed",
      properties: { ...call.properties, name: call.name },
    };
  }
  return {
    ...base,
    event: (call as { event: string }).event,
    properties: (call as { properties?: Record<string, unknown> }).properties ?? {},
  };
}

const bool = (v: boolean | undefined) => (v === undefined ? null : v ? 1 : 0);

/** Writes `calls` (already validated). Returns how many were new, duplicates, and ignored. */
export async function ingest(db: Db, calls: AnyCallT[], batchContext: AnyCallT["context"], now = Date.now()) {
  const items = calls.map((c) => normalize(c, batchContext, now));
  const kept = items.filter((n): n is Normalized => n !== null);
  const ignored = items.length - kept.length;
  const batchId = newId("ib", now);

  // One upsert per person, with the last known email and name from this batch.
  const people = new Map<string, Person>();
  for (const n of kept) {
    const p = people.get(n.externalId) ?? { externalId: n.externalId };
    people.set(n.externalId, { externalId: n.externalId, email: n.email ?? p.email, name: n.name ?? p.name });
  }
  const statements: Parameters<typeof execBatch>[1] = contactUpserts([...people.values()], now);

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
  const inserted = results
    .slice(firstEventStatement, firstEventStatement + eventInserts.length)
    .reduce((s, r) => s + (r.meta?.changes ?? 0), 0);
  const identifies = kept.length - events.length;
  return { accepted: inserted + identifies, duplicates: events.length - inserted, ignored };
}

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
