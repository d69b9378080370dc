// The daily rollups KPIs read instead of raw rows (which retention may prune): events per contact,
// event and day (`contact_event_daily`), and sent email per day (`email_engagement_daily`). Each
// moves in the same batch as the raw write it summarises; the reads take whole UTC days.
import { and, count, countDistinct, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { contactEventDaily, contactEventStats, emailEngagementDaily } from "../../../db/schema/index.ts";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";

const DAY = 86_400_000;
/** The UTC days a range covers, widened to whole days: [first, end) in day numbers. */
export const daysOf = (r: Range) => ({ first: Math.floor(r.from / DAY), end: Math.ceil(r.to / DAY) });

const AMOUNT = sql.raw("coalesce(sum(cast(json_extract(properties, '$.amount') as real)), 0)");
const addCounts = sql.raw(`count = contact_event_daily.count + excluded.count,
  amount = contact_event_daily.amount + excluded.amount`);

/** Adds the events batch `batchId` inserted to their contacts' days (part of the ingestion batch). */
export function eventRollupStatement(batchId: string): SQL {
  return sql`insert into contact_event_daily (contact_id, event, day, count, amount)
    select contact_id, event, occurred_at / ${DAY}, count(*), ${AMOUNT}
    from email_events where batch_id = ${batchId} group by contact_id, event, occurred_at / ${DAY}
    on conflict (contact_id, event, day) do update set ${addCounts}`;
}

/** Moves the rollup rows of merged visitors (`m`: the merge's `with m(anon_id, known_id)`) onto the known contacts. */
export function mergeEventRollupStatements(m: SQL): SQL[] {
  return [
    sql`${m} insert into contact_event_daily (contact_id, event, day, count, amount)
      select m.known_id, d.event, d.day, d.count, d.amount from contact_event_daily d join m on m.anon_id = d.contact_id
      where true on conflict (contact_id, event, day) do update set ${addCounts}`,
    sql`${m} delete from contact_event_daily where contact_id in (select anon_id from m)`,
  ];
}

/** An erased contact leaves every rollup (run before its messages are deleted). */
export function eraseRollupStatements(contactId: string): SQL[] {
  return [
    sql`delete from contact_event_daily where contact_id = ${contactId}`,
    sql`insert into email_engagement_daily (day, sent, opened, clicked, unsubscribed)
      select sent_at / ${DAY}, -count(*), -count(opened_at), -count(clicked_at), -count(unsubscribed_at)
      from email_messages where contact_id = ${contactId} and state = 'sent' and sent_at is not null
      group by sent_at / ${DAY}
      on conflict (day) do update set sent = sent + excluded.sent, opened = opened + excluded.opened,
        clicked = clicked + excluded.clicked, unsubscribed = unsubscribed + excluded.unsubscribed`,
  ];
}

/**
 * Counts message `id` as sent on `day`, with what already happened to it, when `where` (about the
 * row before its change) holds. Put it before the statement that makes the message `sent`, with
 * the same condition, so both happen or neither.
 */
export function sentRollupStatement(id: string, at: { day: number | SQL; where: SQL }): SQL {
  return sql`insert into email_engagement_daily (day, sent, opened, clicked, unsubscribed)
    select ${at.day}, 1, opened_at is not null, clicked_at is not null, unsubscribed_at is not null
    from email_messages where id = ${id} and ${at.where}
    on conflict (day) do update set sent = sent + 1, opened = opened + excluded.opened,
      clicked = clicked + excluded.clicked, unsubscribed = unsubscribed + excluded.unsubscribed`;
}

/**
 * Counts the first open, click or unsubscribe of sent message `id` on its sending day. Put it
 * before the statement that records it (a click is also an open).
 */
export function engagementRollupStatement(id: string, what: "opened" | "clicked" | "unsubscribed"): SQL {
  const firsts = {
    opened: sql.raw("opened_at is null, 0, 0"),
    clicked: sql.raw("opened_at is null, clicked_at is null, 0"),
    unsubscribed: sql.raw("0, 0, unsubscribed_at is null"),
  }[what];
  return sql`insert into email_engagement_daily (day, opened, clicked, unsubscribed)
    select sent_at / ${DAY}, ${firsts} from email_messages
    where id = ${id} and state = 'sent' and sent_at is not null and ${sql.raw(`${what}_at`)} is null
    on conflict (day) do update set opened = opened + excluded.opened, clicked = clicked + excluded.clicked,
      unsubscribed = unsubscribed + excluded.unsubscribed`;
}

/** Per contact and event of `events`, count and summed amount over the days of `range`. */
export async function eventTotalsQuery(db: Db, range: Range, events: string[]) {
  if (!events.length) return [];
  const { first, end } = daysOf(range);
  const d = contactEventDaily;
  return db
    .select({
      contactId: d.contactId,
      event: d.event,
      count: sql<number>`sum(${d.count})`.mapWith(Number),
      amount: sql<number>`sum(${d.amount})`.mapWith(Number),
    })
    .from(d)
    .where(and(gte(d.day, first), lt(d.day, end), inArray(d.event, events)))
    .groupBy(d.contactId, d.event);
}

/** How many contacts had an event (of `events`, or any) on the days of `range`. */
export async function activeCountQuery(db: Db, range: Range, events?: string[]): Promise<number> {
  const { first, end } = daysOf(range);
  const d = contactEventDaily;
  const inDays = and(gte(d.day, first), lt(d.day, end));
  const [row] = await db
    .select({ n: countDistinct(d.contactId) })
    .from(d)
    .where(events ? and(inDays, inArray(d.event, events)) : inDays);
  return row?.n ?? 0;
}

/** Of the contacts active in `start`, how many were active in `end` too (any event, whole days). */
export async function cohortQuery(db: Db, start: Range, end: Range) {
  const s = daysOf(start);
  const e = daysOf(end);
  const [row] = await db.all<{ cohort: number; retained: number }>(sql`
    select count(*) as cohort, coalesce(sum(at_end), 0) as retained from (
      select max(day >= ${s.first} and day < ${s.end}) as at_start, max(day >= ${e.first} and day < ${e.end}) as at_end
      from contact_event_daily where (day >= ${s.first} and day < ${s.end}) or (day >= ${e.first} and day < ${e.end})
      group by contact_id) where at_start`);
  return { cohort: Number(row?.cohort ?? 0), retained: Number(row?.retained ?? 0) };
}

/** How many contacts did `event` for the first time ever within `range` (from the per-contact stats). */
export async function firstTimeCountQuery(db: Db, range: Range, event: string): Promise<number> {
  const s = contactEventStats;
  const [row] = await db
    .select({ n: count() })
    .from(s)
    .where(and(sql`${s.event} = ${event}`, gte(s.firstAt, range.from), lt(s.firstAt, range.to)));
  return row?.n ?? 0;
}

/** Messages sent on the days of `range`, and how many of them were opened, clicked, unsubscribed from. */
export async function engagementQuery(db: Db, range: Range) {
  const { first, end } = daysOf(range);
  const e = emailEngagementDaily;
  const total = (c: SQLiteColumn) => sql<number>`coalesce(sum(${c}), 0)`.mapWith(Number);
  const [r] = await db
    .select({ sent: total(e.sent), opened: total(e.opened), clicked: total(e.clicked), unsubscribed: total(e.unsubscribed) })
    .from(e)
    .where(and(gte(e.day, first), lt(e.day, end)));
  return r ?? { sent: 0, opened: 0, clicked: 0, unsubscribed: 0 };
}
