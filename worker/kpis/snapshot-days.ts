// Which days get a KPI snapshot: the missing days of the last week, or the days a recompute asks for.
import { badRequest } from "../lib/problem.ts";
import type { QueueMessage } from "../lib/queue.ts";
import { DAY, startOfDay } from "./quarters.ts";

/** How many past days cron keeps complete (a Worker that was down catches up this far). */
export const CATCH_UP_DAYS = 7;
/** The most days one recompute request may rewrite. */
export const MAX_RECOMPUTE_DAYS = 400;

export type SnapshotMessage = { kind: "kpis.snapshot"; day: number; recompute: boolean; alert: boolean };

/** The completed days of the last week before `today` that are not in `complete`. */
export function dueDays(today: number, complete: Set<number>): SnapshotMessage[] {
  const due: SnapshotMessage[] = [];
  for (let day = today - CATCH_UP_DAYS * DAY; day < today; day += DAY) {
    // Only yesterday's crossing is news worth an alert; older days are catch-up.
    if (!complete.has(day)) due.push({ kind: "kpis.snapshot", day, recompute: false, alert: day === today - DAY });
  }
  return due;
}

/**
 * Messages that recompute every completed day from `from` to `to` (UTC days, inclusive; days from
 * today on are left out). Refuses a range with no completed day or more than 400 days.
 */
export function recomputeMessages(from: number, to: number, now: number): Array<SnapshotMessage & QueueMessage> {
  const last = Math.min(to, startOfDay(now) - DAY);
  if (last < from) {
    throw badRequest("Only completed days can be recomputed", [{ path: "body.from", message: "Must be before today" }]);
  }
  if ((last - from) / DAY + 1 > MAX_RECOMPUTE_DAYS) {
    throw badRequest("At most 400 days at a time", [{ path: "body.to", message: "Too many days" }]);
  }
  const out: Array<SnapshotMessage & QueueMessage> = [];
  for (let day = startOfDay(from); day <= startOfDay(last); day += DAY) {
    out.push({ kind: "kpis.snapshot", day, recompute: true, alert: false });
  }
  return out;
}
