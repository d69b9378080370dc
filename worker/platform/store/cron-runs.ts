// The record of cron ticks: what each enqueued, so people can see that cron runs at all.
import { desc, lt } from "drizzle-orm";
import { cronRuns } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";

/** How long ticks are kept: a week of minutes is about 10,000 small rows. */
export const CRON_RUN_DAYS = 7;

export type CronRun = typeof cronRuns.$inferSelect;

/**
 * Records one tick, once per scheduled time (a tick delivered twice keeps its first record), and
 * drops ticks older than CRON_RUN_DAYS, in one batch.
 */
export async function recordCronRun(db: Db, run: Omit<CronRun, "enqueued">): Promise<void> {
  const enqueued = Object.values(run.byKind).reduce((n, k) => n + k, 0);
  await db.batch([
    db
      .insert(cronRuns)
      .values({ ...run, enqueued })
      .onConflictDoNothing(),
    db.delete(cronRuns).where(lt(cronRuns.scheduledAt, run.scheduledAt - CRON_RUN_DAYS * 86_400_000)),
  ]);
}

/** Ticks newest first, before the scheduled time `before` when given. */
export async function listCronRuns(db: Db, q: { limit: number; before?: number }): Promise<CronRun[]> {
  return db
    .select()
    .from(cronRuns)
    .where(q.before === undefined ? undefined : lt(cronRuns.scheduledAt, q.before))
    .orderBy(desc(cronRuns.scheduledAt))
    .limit(q.limit + 1);
}
