// Marketing paused by incidents: the state, and the batchable writes that pause and resume it.
import { and, asc, desc, eq, gt, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { emailMessages, marketingPauses } from "../../../db/schema/index.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { emitWhere } from "../../lib/store/webhooks.ts";

export type PauseRow = typeof marketingPauses.$inferSelect;
/** What status tells of an incident that pauses marketing. */
export type PausingIncident = { incidentId: string; incidentName: string; pageId: string; pageName: string };

const OPEN = sql`exists (select 1 from marketing_pauses where resumed_at is null)`;

/** Whether marketing is paused now, as a column of the delivery's own query (no round trip of its own). */
export const pausedColumn = sql<number>`${OPEN}`.mapWith((v) => Boolean(v));

/**
 * The `marketing.resumed` event of the pause that `open` selects (its open rows), written when
 * `also` holds; keyed by the pause, so it exists once. Its data: the incident that began the pause
 * and who or what ended it.
 */
function resumedEvent(db: Db, open: SQL, by: SQL, also: SQL, now: number) {
  return emitWhere(
    db,
    {
      id: sql`'msg_marketing_resumed_' || p.incident_id`,
      type: "marketing.resumed",
      payload: sql`json_object('incidentId', p.incident_id, 'incidentName', p.incident_name, 'pageId', p.page_id,
        'pageName', p.page_name, 'pausedAt', p.paused_at, 'resumedAt', ${now}, 'resumedBy', ${by})`,
      from: sql`from marketing_pauses p`,
      when: sql`p.incident_id = (select period_id from marketing_pauses where resumed_at is null and ${open} limit 1) and ${also}`,
    },
    now,
  );
}

/** Deferred marketing mail is due again at once when nothing pauses it any more (cron's sweep sends it). */
const releaseDeferred = (db: Db, now: number): Statement =>
  db
    .update(emailMessages)
    .set({ sendAfter: now })
    .where(
      and(
        eq(emailMessages.state, "deferred"),
        eq(emailMessages.deferReason, "incident"),
        gt(emailMessages.sendAfter, now),
        sql`not ${OPEN}`,
      ),
    );

/**
 * The incident pauses marketing: its row (once per incident: an incident a marketer resumed past
 * never pauses again), and `marketing.paused` when its row began the pause (none was open).
 */
export function holdStatements(db: Db, i: PausingIncident, now: number): Statement[] {
  const payload = JSON.stringify({ ...i, pausedAt: now });
  return [
    db
      .insert(marketingPauses)
      .values({
        ...i,
        periodId: sql`coalesce((select period_id from marketing_pauses where resumed_at is null limit 1), ${i.incidentId})`,
        pausedAt: now,
      })
      .onConflictDoNothing(),
    emitWhere(
      db,
      {
        id: sql`${`msg_marketing_paused_${i.incidentId}`}`,
        type: "marketing.paused",
        payload: sql`${payload}`,
        from: sql`from marketing_pauses p`,
        when: sql`p.incident_id = ${i.incidentId} and p.period_id = p.incident_id and p.paused_at = ${now} and p.resumed_at is null`,
      },
      now,
    ),
  ];
}

/**
 * The incident no longer pauses marketing (resolved, or no longer major): its row closes, and when
 * no other incident holds the pause, marketing resumes (`marketing.resumed`, deferred mail due).
 */
export function releaseStatements(db: Db, incidentId: string, now: number): Statement[] {
  return [
    resumedEvent(
      db,
      sql`incident_id = ${incidentId}`,
      sql`json_object('kind', 'incident', 'incidentId', ${incidentId})`,
      sql`not exists (select 1 from marketing_pauses where resumed_at is null and incident_id <> ${incidentId})`,
      now,
    ),
    db
      .update(marketingPauses)
      .set({ resumedAt: now, resumedBy: "incident" })
      .where(and(eq(marketingPauses.incidentId, incidentId), isNull(marketingPauses.resumedAt))),
    releaseDeferred(db, now),
  ];
}

/** A person resumes marketing: every open row closes; only an incident not seen yet pauses again. */
export function resumeStatements(db: Db, by: string, now: number): Statement[] {
  return [
    resumedEvent(db, sql`1`, sql`json_object('kind', 'manual', 'name', ${by})`, sql`1`, now),
    db.update(marketingPauses).set({ resumedAt: now, resumedBy: by }).where(isNull(marketingPauses.resumedAt)),
    releaseDeferred(db, now),
  ];
}

/** The incidents pausing marketing now (oldest first), the row that began the pause, and the last resume. */
export async function pauseRows(db: Db) {
  const open = await db
    .select()
    .from(marketingPauses)
    .where(isNull(marketingPauses.resumedAt))
    .orderBy(asc(marketingPauses.pausedAt))
    .limit(50);
  const [began] = open.length
    ? await db.select().from(marketingPauses).where(eq(marketingPauses.incidentId, open[0].periodId))
    : [];
  const [last] = open.length
    ? []
    : await db
        .select()
        .from(marketingPauses)
        .where(isNotNull(marketingPauses.resumedAt))
        .orderBy(desc(marketingPauses.resumedAt))
        .limit(1);
  return { open, began: began ?? null, last: last ?? null };
}
