// The incident pause of marketing email as people see it, and its manual end.
import { type Db, runBatch } from "../lib/db.ts";
import { conflict } from "../lib/problem.ts";
import type { MarketingPause } from "./schemas.ts";
import { pauseRows, resumeStatements } from "./store/pause.ts";

/** Whether marketing is paused, since when and by which incidents, or how the last pause ended. */
export async function marketingPause(db: Db): Promise<MarketingPause> {
  const { open, began, last } = await pauseRows(db);
  const view = ({ resumedAt, resumedBy, periodId, ...i }: (typeof open)[number]) => i;
  return {
    paused: open.length > 0,
    id: open[0]?.periodId ?? null,
    since: open.length ? (began?.pausedAt ?? open[0].pausedAt) : null,
    incidents: open.map(view),
    lastResumed: last ? { id: last.periodId, resumedAt: last.resumedAt ?? 0, resumedBy: last.resumedBy ?? "" } : null,
  };
}

/**
 * Resumes marketing by hand (`by`: who), ending pause `pauseId`. The pause stays over until an
 * incident not seen before pauses it again. A 409 when marketing is not paused by that pause.
 */
export async function resumeMarketing(db: Db, pauseId: string, by: string, now: number): Promise<MarketingPause> {
  const current = await marketingPause(db);
  if (!current.paused) throw conflict("Marketing email is not paused");
  if (current.id !== pauseId) {
    throw conflict("Marketing was paused again by another incident: look at the pause before resuming", {
      pauseId: current.id,
    });
  }
  await runBatch(db, resumeStatements(db, by, now));
  return marketingPause(db);
}
