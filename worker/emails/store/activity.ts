// Activity other capabilities record on the contact graph (a vote, an NPS answer, a conversion): an
// event row like an ingested one, with the same aggregates and daily rollup, in the caller's batch.
import { fillPlaceholders, type Placeholder, type SQL, sql } from "drizzle-orm";
import { type Db, type Query, rawStatement, toQuery } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { aggregateStatements } from "./events.ts";

/** What a known person did, once: `key` is unique per occurrence (a redelivery or retry adds nothing). */
export type Activity = {
  contactId: string;
  event: string;
  /** Unique per occurrence across Rapport, e.g. `feedback_vote:<post>:<contact>`. */
  key: string;
  at: number;
  properties?: Record<string, unknown>;
};

/** Event ids Rapport writes itself: never a Segment messageId a host app would send. */
const KEY_PREFIX = "rapport:";

/**
 * Statements recording `activities` (for one batch with the action itself): the event rows, unique by
 * key, onto contacts that exist, then the aggregates and rollup from exactly the rows this batch
 * inserted. `when` (SQL evaluated in the batch) limits the write to the case the action took effect;
 * it may read each activity as `v` (`v.contact_id`, `v.event`, `v.properties` as JSON text).
 */
export function activityWrites(db: Db, activities: Activity[], now: number, when: SQL = sql`true`) {
  if (!activities.length) return [];
  const batchId = newId("ib", now);
  return [insertOf(rowsOf(activities, now), batchId, now, when), ...aggregateStatements(batchId, now)].map((q) =>
    rawStatement(db, q),
  );
}

/** The event row the live path writes for `a` (for seeds that write rows in bulk, then rebuild aggregates and rollups). */
export function activityRow(a: Activity, batchId: string, now: number) {
  return {
    id: newId("ev", a.at),
    messageId: KEY_PREFIX + a.key,
    contactId: a.contactId,
    event: a.event,
    properties: a.properties ?? {},
    occurredAt: a.at,
    receivedAt: now,
    batchId,
  };
}

/**
 * `activityWrites` with its SQL built once (for the hottest writes, where drizzle's building is most of
 * the CPU): call the answer per request. `when` may hold placeholders of its own, filled from `values`.
 */
export function preparedActivityWrites(when: SQL) {
  const p = {
    rows: sql.placeholder("activityRows"),
    batchId: sql.placeholder("activityBatch"),
    now: sql.placeholder("activityNow"),
  };
  const queries = [insertOf(p.rows, p.batchId, p.now, when), ...aggregateStatements(p.batchId, p.now)].map(toQuery);
  return (activities: Activity[], now: number, values: Record<string, unknown> = {}): Query[] => {
    if (!activities.length) return [];
    const bound = {
      ...values,
      activityRows: rowsOf(activities, now),
      activityBatch: newId("ib", now),
      activityNow: now,
    };
    return queries.map((q) => ({ sql: q.sql, params: fillPlaceholders(q.params, bound) }));
  };
}

/** The activities as one JSON parameter, whatever their number (D1 binds at most 100 parameters). */
function rowsOf(activities: Activity[], now: number) {
  return JSON.stringify(
    activities.map((a) => ({
      id: newId("ev", now),
      message_id: KEY_PREFIX + a.key,
      contact_id: a.contactId,
      event: a.event,
      properties: JSON.stringify(a.properties ?? {}),
      occurred_at: a.at,
    })),
  );
}

function insertOf(
  rows: string | Placeholder,
  batchId: string | Placeholder,
  now: number | Placeholder,
  when: SQL,
): SQL {
  return sql`with v as (select value ->> 'id' as id, value ->> 'message_id' as message_id,
      value ->> 'contact_id' as contact_id, value ->> 'event' as event, value ->> 'properties' as properties,
      value ->> 'occurred_at' as occurred_at from json_each(${rows}))
    insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
    select v.id, v.message_id, c.id, v.event, v.properties, v.occurred_at, ${now}, ${batchId}
    from v join contacts c on c.id = v.contact_id where ${when}
    on conflict (message_id) do nothing`;
}
