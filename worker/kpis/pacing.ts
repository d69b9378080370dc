// Quarterly pacing: where a KPI should be today on a straight line from start to target.
import type { Direction, kpiTargets } from "../../db/schema/index.ts";
import type { Range } from "../lib/range.ts";
import { quarterRange } from "./quarters.ts";

export const PACING_STATUSES = ["on_track", "at_risk", "off_track", "met", "missed", "no_data"] as const;
export type PacingStatus = (typeof PACING_STATUSES)[number];

/** On track within 10% of expected; at risk within 25%; off track beyond. */
export const ON_TRACK_TOLERANCE = 0.1;
export const AT_RISK_TOLERANCE = 0.25;

export type Pacing = {
  /** Share of the quarter elapsed, 0-1. */
  elapsed: number;
  /** expected = start + (target - start) x elapsed / length */
  expected: number;
  status: PacingStatus;
  /** Run rate to the quarter's end: start + (actual - start) / elapsed. */
  forecast: number | null;
};

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function pace(
  t: { startValue: number; target: number; direction: Direction },
  actual: number | null,
  quarter: Range,
  now: number,
): Pacing {
  const elapsed = Math.min(1, Math.max(0, (now - quarter.from) / (quarter.to - quarter.from)));
  const expected = t.startValue + (t.target - t.startValue) * elapsed;
  if (actual === null) return { elapsed: round(elapsed), expected: round(expected), status: "no_data", forecast: null };
  const better = t.direction === "higher" ? 1 : -1;
  const forecast = elapsed > 0 ? t.startValue + (actual - t.startValue) / elapsed : null;
  let status: PacingStatus;
  if (elapsed >= 1) {
    status = (actual - t.target) * better >= 0 ? "met" : "missed";
  } else {
    // How far behind the line, in the KPI's own direction; ahead of it is never a problem.
    const shortfall = (expected - actual) * better;
    const base = Math.abs(expected) || Math.abs(t.target - t.startValue) || 1;
    status =
      shortfall <= ON_TRACK_TOLERANCE * base
        ? "on_track"
        : shortfall <= AT_RISK_TOLERANCE * base
          ? "at_risk"
          : "off_track";
  }
  return {
    elapsed: round(elapsed),
    expected: round(expected),
    status,
    forecast: forecast === null ? null : round(forecast),
  };
}

export type TargetRow = typeof kpiTargets.$inferSelect;

/** A KPI's target as reported, with its pacing at `now`; both null without a target. */
export function targetView(t: TargetRow | undefined, value: number | null, quarter: string, now: number) {
  if (!t) return { target: null, pacing: null };
  const pacing: Pacing = pace(t, value, quarterRange(quarter), now);
  return {
    target: {
      startValue: t.startValue,
      target: t.target,
      direction: t.direction,
      ownerContactId: t.ownerContactId,
      ownerEmail: t.ownerEmail,
    },
    pacing,
  };
}
