// The daily rollups KPIs read instead of raw rows (which retention may prune): events per contact,
// event and day (`contact_event_daily`), and sent email per day (`email_engagement_daily`). Each
// moves in the same batch as the raw write it summarises; the reads take whole UTC days.
import { and, count, countDistinct, gte, inArray, lt, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import {
  contactEventDaily,
  contactEventStats,
  emailEngagementDaily,
  rollupBackfills,
} from "../../../db/schema/index.ts";
import { type Db, execBatch } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";

const DAY = 86_400_000;
/** The UTC days a range covers, widened to whole days: [first, end) in day numbers. */
export const daysOf = (r: Range) => ({ first: Math.floor(r.from / DAY), end: Math.ceil(r.to / DAY) });

// Inline, not bound: D1 binds a JS number as a real, and `ms / 86400000.0` is no day number.
const PER_DAY = sql.raw(String(DAY));
/** The UTC day number of a millisecond column, in SQL. */
export const utcDay = (column: string) => sql.raw(`${column} / ${DAY}`);

const AMOUNT = sql.raw("coalesce(sum(cast(json_extract(properties, '$.amount') as real)), 0)");
const addCounts = sql.raw(`count = contact_event_daily.count + excluded.count,
  amount = contact_event_daily.amount + excluded.amount`);

/** Adds the events batch `batchId` inserted to their contacts' days (part of the ingestion batch). */
export function eventRollupStatement(batchId: string | Placeholder): SQL {
  return sql`insert into contact_event_daily (contact_id, event, day, count, amount)
    select contact_id, event, occurred_at / ${PER_DAY}, count(*), ${AMOUNT}
    from email_events where batch_id = ${batchId} group by contact_id, event, occurred_at / ${PER_DAY}
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
      select sent_at / ${PER_DAY}, -count(*), -count(opened_at), -count(clicked_at), -count(unsubscribed_at)
      from email_messages where contact_id = ${contactId} and state = 'sent' and sent_at is not null
      group by sent_at / ${PER_DAY}
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
    select sent_at / ${PER_DAY}, ${firsts} from email_messages
    where id = ${id} and state = 'sent' and sent_at is not null and ${sql.raw(`${what}_at`)} is null
    on conflict (day) do update set opened = opened + excluded.opened, clicked = clicked + excluded.clicked,
      unsubscribed = unsubscribed + excluded.unsubscribed`;
}

/** The rollups, each with how one of its UTC days [first, end) is rebuilt from raw rows and where raw rows begin. */
const REBUILDS = {
  contact_event_daily: {
    oldest: sql`select min(occurred_at) / ${PER_DAY} as day from email_events`,
    rebuild: (first: number, end: number) => [
      sql`delete from contact_event_daily where day >= ${first} and day < ${end}`,
      sql`insert into contact_event_daily (contact_id, event, day, count, amount)
        select contact_id, event, occurred_at / ${PER_DAY}, count(*), ${AMOUNT} from email_events
        where occurred_at >= ${first * DAY} and occurred_at < ${end * DAY} group by contact_id, event, occurred_at / ${PER_DAY}`,
    ],
  },
  email_engagement_daily: {
    oldest: sql`select min(sent_at) / ${PER_DAY} as day from email_messages where state = 'sent'`,
    rebuild: (first: number, end: number) => [
      sql`delete from email_engagement_daily where day >= ${first} and day < ${end}`,
      sql`insert into email_engagement_daily (day, sent, opened, clicked, unsubscribed)
        select sent_at / ${PER_DAY}, count(*), count(opened_at), count(clicked_at), count(unsubscribed_at) from email_messages
        where state = 'sent' and sent_at >= ${first * DAY} and sent_at < ${end * DAY} group by sent_at / ${PER_DAY}`,
    ],
  },
} as const;
export type Rollup = keyof typeof REBUILDS;
const ROLLUPS = Object.keys(REBUILDS) as Rollup[];

/** Days rebuilt per backfill step: bounded work per batch. */
export const BACKFILL_DAYS = 7;

/** Statements that rebuild every rollup's days [first, end) from raw rows, replacing what they hold (one batch). */
export function rebuildRollupStatements(first: number, end: number): SQL[] {
  return ROLLUPS.flatMap((r) => REBUILDS[r].rebuild(first, end));
}

/** Whether some rollup still has days to backfill (or has not started): cheap, for cron. */
export async function backfillDue(db: Db): Promise<boolean> {
  const rows = await db.select().from(rollupBackfills);
  return ROLLUPS.some((r) => !rows.find((row) => row.rollup === r)?.finishedAt);
}

/**
 * One backfill step of each unfinished rollup: starts it (from its oldest raw day to the day after
 * `now`), rebuilds the next BACKFILL_DAYS days and moves on, in one batch per rollup. Idempotent: a
 * rebuilt day equals its raw rows however often it runs. Returns whether days remain.
 */
export async function backfillStep(db: Db, now: number): Promise<boolean> {
  let more = false;
  for (const r of ROLLUPS) {
    const today = Math.floor(now / DAY);
    let row = await db.query.rollupBackfills.findFirst({ where: sql`${rollupBackfills.rollup} = ${r}` });
    if (!row) {
      const [oldest] = await db.all<{ day: number | null }>(REBUILDS[r].oldest);
      const start = Math.min(oldest?.day ?? today + 1, today + 1);
      await db
        .insert(rollupBackfills)
        .values({ rollup: r, nextDay: start, endDay: today + 1 })
        .onConflictDoNothing();
      row = await db.query.rollupBackfills.findFirst({ where: sql`${rollupBackfills.rollup} = ${r}` });
    }
    if (!row || row.finishedAt) continue;
    const end = Math.min(row.nextDay + BACKFILL_DAYS, row.endDay);
    await execBatch(db, [
      ...REBUILDS[r].rebuild(row.nextDay, end),
      sql`update rollup_backfills set next_day = ${end}, finished_at = ${end >= row.endDay ? now : null}
        where rollup = ${r} and next_day = ${row.nextDay}`,
    ]);
    more ||= end < row.endDay;
  }
  return more;
}

/**
 * Per rollup, the UTC day number before which it holds every raw row (raw rows of earlier days may
 * be pruned); `Infinity` once its backfill has finished (every day, as ingestion keeps it live).
 */
export async function rollupsCompleteBefore(db: Db): Promise<Record<Rollup, number>> {
  const rows = await db.select().from(rollupBackfills);
  return Object.fromEntries(
    ROLLUPS.map((r) => {
      const row = rows.find((x) => x.rollup === r);
      return [r, row?.finishedAt ? Number.POSITIVE_INFINITY : (row?.nextDay ?? Number.NEGATIVE_INFINITY)];
    }),
  ) as Record<Rollup, number>;
}

/** Per contact and event of `events`, count and summed amount over the days of `range`. */
export async function eventTotalsQuery(db: Db, range: Range, events: string[]) {
  if (!events.length) return [];
  const { first, end } = daysOf(range);
  const d = contactEventDaily;
  return (
    db
      .select({
        contactId: d.contactId,
        event: d.event,
        count: sql<number>`sum(${d.count})`.mapWith(Number),
        amount: sql<number>`sum(${d.amount})`.mapWith(Number),
      })
      .from(d)
      // KPI settings name at most 61 events (1 + 10 + 20 + 30), well inside D1's 100 parameters.
      .where(and(gte(d.day, first), lt(d.day, end), inArray(d.event, events.slice(0, 90))))
      .groupBy(d.contactId, d.event)
  );
}

/** How many contacts had an event (of `events`, or any) on the days of `range`. */
export async function activeCountQuery(db: Db, range: Range, events?: string[]): Promise<number> {
  const { first, end } = daysOf(range);
  const d = contactEventDaily;
  const inDays = and(gte(d.day, first), lt(d.day, end));
  const [row] = await db
    .select({ n: countDistinct(d.contactId) })
    .from(d)
    .where(events ? and(inDays, inArray(d.event, events.slice(0, 90))) : inDays);
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

/**
 * Contacts known before `before`: first seen before it, or with an event on a day before its day
 * (a backfilled history makes a contact older than its row).
 */
export async function membersBeforeQuery(db: Db, before: number): Promise<number> {
  const end = Math.ceil(before / DAY);
  const [row] = await db.all<{ n: number }>(sql`select
    (select count(*) from contacts where first_seen_at < ${before}) + (select count(*) from contacts c
      where c.first_seen_at >= ${before} and exists (select 1 from contact_event_daily d where d.contact_id = c.id and d.day < ${end})) as n`);
  return Number(row?.n ?? 0);
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
    .select({
      sent: total(e.sent),
      opened: total(e.opened),
      clicked: total(e.clicked),
      unsubscribed: total(e.unsubscribed),
    })
    .from(e)
    .where(and(gte(e.day, first), lt(e.day, end)));
  return r ?? { sent: 0, opened: 0, clicked: 0, unsubscribed: 0 };
}
