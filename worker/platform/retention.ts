// The retention run: for each task, the oldest raw rows past their window are archived to R2 and
// only then pruned, 500 at a time, so no statement holds D1's write lock for long. A run does a
// bounded amount per queue message and continues itself while rows remain.
import { type ArchiveBucket, keepOnly, writeArchive } from "../lib/archive.ts";
import { getDb } from "../lib/db.ts";
import { idTime } from "../lib/ids.ts";
import { DAY, RETENTION_WINDOWS, type RetentionTask, retentionDays } from "../lib/retention.ts";
import { addToRun, finishRun, startRun } from "./store/retention.ts";

/** Rows per archive object and per DELETE. */
export const RETENTION_BATCH = 500;
/** Batches per queue message before the run continues in the next one. */
const BATCHES_PER_MESSAGE = 20;
/** The minute of each hour at which cron starts a run. */
const RUN_MINUTE = 17;

export type RetentionStep = { runId: string; at: number; step: number };

/** Cron: a run at minute 17 of every hour, measured from the tick's scheduled time. */
export function dueRetentionRun(now: number): RetentionStep | null {
  return new Date(now).getUTCMinutes() === RUN_MINUTE ? { runId: `ret_${idTime(now)}`, at: now, step: 0 } : null;
}

/** The windows as configured, for the health page. */
export function retentionWindows(env: Env) {
  return Object.entries(RETENTION_WINDOWS).map(([window, w]) => ({
    window,
    variable: w.variable,
    days: retentionDays(env, window as keyof typeof RETENTION_WINDOWS),
    defaultDays: w.days,
  }));
}

/**
 * Runs `tasks` from `run.step` on: archives and prunes until a message's budget is spent (then
 * returns the step to continue from) or everything past its window is gone (then null). An archive
 * that cannot be written stops the run with the error recorded and nothing of that batch pruned.
 */
export async function runRetention(
  env: Omit<Env, "ARCHIVE"> & { ARCHIVE: ArchiveBucket },
  tasks: RetentionTask[],
  run: RetentionStep,
  now = Date.now(),
): Promise<RetentionStep | null> {
  const db = getDb(env.DB);
  await startRun(db, run.runId, run.at, now);
  let budget = BATCHES_PER_MESSAGE;
  try {
    if (!env.ARCHIVE) throw new Error("no ARCHIVE binding: nothing is pruned without its archive");
    for (let step = run.step; step < tasks.length; step++) {
      const task = tasks[step];
      const days = Math.max(retentionDays(env, task.window), (await task.floorDays?.(db)) ?? 0);
      const cutoff = run.at - days * DAY;
      await task.prepare?.(db, cutoff);
      for (;;) {
        if (budget-- <= 0) return { ...run, step };
        const rows = await task.next(db, cutoff, RETENTION_BATCH);
        if (!rows.length) break;
        const parts = await writeArchive(env.ARCHIVE, task.name, rows, task.dayOf);
        const pruned = await task.prune(db, rows, cutoff);
        if (pruned.length < rows.length) await keepOnly(env.ARCHIVE, parts, new Set(pruned));
        await addToRun(db, run.runId, task.name, pruned.length, parts.length);
        if (rows.length < RETENTION_BATCH) break;
      }
    }
    await finishRun(db, run.runId, Date.now(), null);
  } catch (e) {
    await finishRun(db, run.runId, Date.now(), e instanceof Error ? e.message : String(e));
  }
  return null;
}
