// HTTP and heartbeat monitors and their results.
import { and, desc, eq, isNull, lt, lte, sql } from "drizzle-orm";
import { statusComponents, statusMonitorResults, statusMonitors } from "../../../db/schema/index.ts";
import { type Db, inJson, type Statement } from "../../lib/db.ts";
import { idsBefore, newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";
import { dayOf, type RetentionTask } from "../../lib/retention.ts";
import { deleteRows, oldestRows } from "../../lib/store/retention.ts";
import type { CheckResult } from "../check.ts";
import type { Monitor, NewMonitor } from "../types.ts";

export async function getMonitor(db: Db, id: string): Promise<Monitor | undefined> {
  return db.query.statusMonitors.findFirst({ where: eq(statusMonitors.id, id) });
}

export async function getMonitorOrThrow(db: Db, id: string): Promise<Monitor> {
  const m = await getMonitor(db, id);
  if (!m) throw notFound("No such monitor");
  return m;
}

export async function monitorByTokenHash(db: Db, tokenHash: string): Promise<Monitor | undefined> {
  return db.query.statusMonitors.findFirst({ where: eq(statusMonitors.tokenHash, tokenHash) });
}

export async function monitorsByIds(db: Db, ids: string[]): Promise<Monitor[]> {
  return db.select().from(statusMonitors).where(inJson(statusMonitors.id, ids));
}

/** A page of a status page's monitors, newest first (ids sort by creation), fetched with one more than `limit`. */
export async function listMonitors(db: Db, pageId: string, q: { limit: number; cursor?: string }): Promise<Monitor[]> {
  return db
    .select({ m: statusMonitors })
    .from(statusMonitors)
    .innerJoin(statusComponents, eq(statusComponents.id, statusMonitors.componentId))
    .where(and(eq(statusComponents.pageId, pageId), q.cursor ? lt(statusMonitors.id, q.cursor) : undefined))
    .orderBy(desc(statusMonitors.id))
    .limit(q.limit + 1)
    .then((rows) => rows.map((r) => r.m));
}

export async function monitorResults(db: Db, monitorId: string, limit: number, before?: number) {
  return db
    .select()
    .from(statusMonitorResults)
    .where(
      and(
        eq(statusMonitorResults.monitorId, monitorId),
        before ? sql`${statusMonitorResults.runAt} < ${before}` : undefined,
      ),
    )
    .orderBy(desc(statusMonitorResults.runAt))
    .limit(limit);
}

/** HTTP monitors due at `now`, as the runs to make (the due time is each run's idempotency key). */
export async function dueHttpRuns(db: Db, now: number, limit = 1000) {
  return db
    .select({ id: statusMonitors.id, runAt: statusMonitors.nextRunAt })
    .from(statusMonitors)
    .where(and(eq(statusMonitors.enabled, true), eq(statusMonitors.kind, "http"), lte(statusMonitors.nextRunAt, now)))
    .limit(limit);
}

/** Heartbeats whose deadline passed and that have not opened an incident yet. */
export async function missedHeartbeats(db: Db, now: number, limit = 500) {
  return db
    .select({ id: statusMonitors.id, deadline: statusMonitors.nextRunAt })
    .from(statusMonitors)
    .where(
      and(
        eq(statusMonitors.enabled, true),
        eq(statusMonitors.kind, "heartbeat"),
        lte(statusMonitors.nextRunAt, now),
        isNull(statusMonitors.openIncidentId),
      ),
    )
    .limit(limit);
}

export async function insertMonitor(db: Db, row: NewMonitor): Promise<Monitor> {
  const [created] = await db.insert(statusMonitors).values(row).returning();
  return created;
}

/** Stores a monitor's new settings and answers it as it now is. */
export async function saveMonitor(db: Db, id: string, set: Partial<Monitor>): Promise<Monitor> {
  const [row] = await db.update(statusMonitors).set(set).where(eq(statusMonitors.id, id)).returning();
  return row;
}

/** Deletes a monitor (its results go with it). */
export async function deleteMonitor(db: Db, id: string): Promise<void> {
  await db.delete(statusMonitors).where(eq(statusMonitors.id, id));
}

/** The monitors of a component, deleted with it. */
export const componentMonitorsDelete = (db: Db, componentId: string): Statement =>
  db.delete(statusMonitors).where(eq(statusMonitors.componentId, componentId));

/** One run's result; the unique monitor + run time makes a second delivery of the run fail its batch. */
export const resultStatement = (db: Db, monitorId: string, runAt: number, r: CheckResult, now: number): Statement =>
  db.insert(statusMonitorResults).values({ id: newId("smr", now), monitorId, runAt, ...r, checkedAt: now });

export const monitorUpdate = (db: Db, id: string, set: Partial<Monitor>): Statement =>
  db.update(statusMonitors).set(set).where(eq(statusMonitors.id, id));

/**
 * Monitor results checked before the cutoff. Nothing shown beyond the window reads them: uptime
 * comes from the components' status changes, kept for good.
 */
export const monitorResultsRetention: RetentionTask = {
  name: "status_monitor_results",
  window: "monitorResults",
  dayOf: (row) => dayOf(Number(row.run_at)),
  next: (db, cutoff, limit) =>
    oldestRows(db, "status_monitor_results", sql`id < ${idsBefore("smr", cutoff)}`, "id", limit),
  prune: (db, rows) => deleteRows(db, "status_monitor_results", rows),
};
