// Retention of the platform's own raw rows (webhook deliveries and events, dead letters) and the
// record of retention runs the health page shows.
import { desc, eq, lt, sql } from "drizzle-orm";
import { retentionRuns } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { idsBefore } from "../../lib/ids.ts";
import { type ArchivedRow, DAY, dayOf, type RetentionTask } from "../../lib/retention.ts";
import { deleteRows, idIn, idsOf, oldestRows } from "../../lib/store/retention.ts";

/** How long run records stay. */
export const RETENTION_RUN_DAYS = 90;

export type RetentionRun = typeof retentionRuns.$inferSelect;

/** Starts the record of run `id` once (a redelivered message keeps it) and drops records past 90 days. */
export async function startRun(db: Db, id: string, at: number, now: number): Promise<void> {
  await db.batch([
    db.insert(retentionRuns).values({ id, at, startedAt: now }).onConflictDoNothing(),
    db.delete(retentionRuns).where(lt(retentionRuns.at, at - RETENTION_RUN_DAYS * DAY)),
  ]);
}

/** Adds what one batch pruned and archived to the run's counts. */
export async function addToRun(db: Db, id: string, name: string, pruned: number, archived: number): Promise<void> {
  const path = `$."${name}"`;
  await db.run(sql`UPDATE retention_runs SET
      pruned = json_set(pruned, ${path}, cast(coalesce(pruned ->> ${path}, 0) + ${pruned} AS INTEGER)),
      archived = json_set(archived, ${path}, cast(coalesce(archived ->> ${path}, 0) + ${archived} AS INTEGER))
    WHERE id = ${id}`);
}

/** Ends the run, with the reason it stopped early when it did. */
export async function finishRun(db: Db, id: string, now: number, error: string | null): Promise<void> {
  await db.update(retentionRuns).set({ finishedAt: now, error }).where(eq(retentionRuns.id, id));
}

/** Runs newest first, before the run id `cursor` when given: `limit + 1` of them. */
export async function listRuns(db: Db, q: { limit: number; cursor?: string }): Promise<RetentionRun[]> {
  return db
    .select()
    .from(retentionRuns)
    .where(q.cursor ? lt(retentionRuns.id, q.cursor) : undefined)
    .orderBy(desc(retentionRuns.id))
    .limit(q.limit + 1);
}

const FINAL_DELIVERY = sql.raw("state IN ('succeeded', 'failed')");
const num = (row: ArchivedRow, column: string) => Number(row[column]);

/** Webhook deliveries that ended (succeeded or gave up) before the cutoff. */
const webhookDeliveries: RetentionTask = {
  name: "webhook_deliveries",
  window: "webhookDeliveries",
  dayOf: (row) => dayOf(num(row, "created_at")),
  next: (db, cutoff, limit) =>
    oldestRows(db, "webhook_deliveries", sql`id < ${idsBefore("whd", cutoff)} AND ${FINAL_DELIVERY}`, "id", limit),
  prune: (db, rows) => deleteRows(db, "webhook_deliveries", rows),
};

/** Webhook events fanned out before the cutoff whose deliveries are all gone. */
const webhookEvents: RetentionTask = {
  name: "webhook_events",
  window: "webhookDeliveries",
  dayOf: (row) => dayOf(num(row, "created_at")),
  next: (db, cutoff, limit) =>
    oldestRows(
      db,
      "webhook_events",
      sql`id < ${idsBefore("msg", cutoff)} AND fanned_out_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`,
      "id",
      limit,
    ),
  prune: async (db, rows) => {
    return idsOf(
      await db.all<{ id: string }>(sql`DELETE FROM webhook_events WHERE ${idIn(rows)}
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id) RETURNING id`),
    );
  },
};

/** Dead letters received before the cutoff. */
const deadLetters: RetentionTask = {
  name: "dead_letters",
  window: "deadLetters",
  dayOf: (row) => dayOf(num(row, "received_at")),
  next: (db, cutoff, limit) => oldestRows(db, "dead_letters", sql`received_at < ${cutoff}`, "received_at", limit),
  prune: (db, rows) => deleteRows(db, "dead_letters", rows),
};

/** The platform's raw rows, in the order retention prunes them (deliveries before their events). */
export const platformRetentionTasks: RetentionTask[] = [webhookDeliveries, webhookEvents, deadLetters];
