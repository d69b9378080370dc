// Events and their per-contact aggregates: the ingestion batch that writes them, and the facts
// other capabilities (KPIs) and trigger evaluation read over their indexes.
import { and, gte, type Placeholder, type SQL, sql } from "drizzle-orm";
import { type ConsentTopic, contactEventDaily } from "../../../db/schema/index.ts";
import type { Person } from "../../lib/contacts.ts";
import { chunk, type Db, execBatch, inJson } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { AnyCallT } from "../schemas.ts";
import { type AccountWrite, groupStatements } from "./accounts.ts";
import { contactUpserts } from "./contacts.ts";
import { aliasInserts, dropMerged, mergeStatements } from "./merge.ts";
import { identifyStatements } from "./profiles.ts";
import { eventRollupStatement } from "./rollups.ts";

/** A Segment call as ingestion keeps it (ingest.ts makes it from the call). */
export type KeptCall = {
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

/**
 * Writes kept calls in one batch: contacts, aliases and merges of visitors, traits, timezone and
 * consent, accounts, events and the per-contact aggregates. Aggregates are computed from exactly
 * the event rows this batch inserted (by batch id), so a retried messageId changes nothing.
 * Merged visitors' emptied contacts are deleted afterwards. Returns how many events were new.
 */
export async function writeCalls(
  db: Db,
  w: {
    people: Person[];
    pairs: Array<{ alias: string; externalId: string }>;
    calls: KeptCall[];
    groups: AccountWrite;
  },
  now: number,
) {
  const batchId = newId("ib", now);
  const statements: SQL[] = [...contactUpserts(w.people, now), ...aliasInserts(w.pairs, now)];
  const merges = mergeStatements(
    w.pairs.map((p) => p.alias),
    now,
  );
  const mergeStart = statements.length;
  statements.push(...merges);
  for (const call of w.calls) statements.push(...identifyStatements(call, now));
  statements.push(...groupStatements(w.groups, now));
  const events = w.calls.filter((n) => n.event);
  const eventInserts = chunk(events, 16).map((part) => eventInsert(part, batchId, now));
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
  return results
    .slice(firstEventStatement, firstEventStatement + eventInserts.length)
    .reduce((s, r) => s + (r.meta?.changes ?? 0), 0);
}

/** Event rows of `part` onto their contacts; a repeated messageId is skipped. */
function eventInsert(part: KeptCall[], batchId: string, now: number): SQL {
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
}

/** Active days since `fromDay` of each contact (the event rollup's primary key, per contact). */
export async function activityDays(db: Db, contactIds: string[], fromDay: number) {
  const byContact = new Map<string, number[]>();
  if (!contactIds.length) return byContact;
  const rows = await db
    .selectDistinct({ contactId: contactEventDaily.contactId, day: contactEventDaily.day })
    .from(contactEventDaily)
    .where(and(inJson(contactEventDaily.contactId, contactIds), gte(contactEventDaily.day, fromDay)));
  for (const r of rows) byContact.set(r.contactId, [...(byContact.get(r.contactId) ?? []), r.day]);
  return byContact;
}

/** Per-contact aggregates from the rows batch `batchId` inserted. */
export function aggregateStatements(batchId: string | Placeholder, now: number | Placeholder): SQL[] {
  return [
    sql`insert into contact_event_stats (contact_id, event, count, first_at, last_at, updated_at)
      select contact_id, event, count(*), min(occurred_at), max(occurred_at), ${now}
      from email_events where batch_id = ${batchId} group by contact_id, event
      on conflict (contact_id, event) do update set
        count = contact_event_stats.count + excluded.count,
        first_at = min(contact_event_stats.first_at, excluded.first_at),
        last_at = max(contact_event_stats.last_at, excluded.last_at),
        updated_at = excluded.updated_at`,
    sql`insert into email_profiles (contact_id, first_event_at, last_event_at, event_count, updated_at)
      select contact_id, min(occurred_at), max(occurred_at), count(*), ${now}
      from email_events where batch_id = ${batchId} group by contact_id
      on conflict (contact_id) do update set
        first_event_at = min(coalesce(email_profiles.first_event_at, excluded.first_event_at), excluded.first_event_at),
        last_event_at = max(coalesce(email_profiles.last_event_at, excluded.last_event_at), excluded.last_event_at),
        event_count = email_profiles.event_count + excluded.event_count,
        updated_at = excluded.updated_at`,
    eventRollupStatement(batchId),
  ];
}
