// Quarterly pacing: where the forecast says a KPI will end against its target, and the straight
// line from start to target that shows where it should be by now.
import type { Direction, kpiTargets } from "../../db/schema/index.ts";
import type { Range } from "../lib/range.ts";
import type { Forecast } from "./forecast.ts";
import { quarterRange } from "./quarters.ts";

export const PACING_STATUSES = ["on_track", "at_risk", "off_track", "met", "missed", "no_data"] as const;
export type PacingStatus = (typeof PACING_STATUSES)[number];

/** The forecast may fall short of the target by 10% and still be on track. */
export const ON_TRACK_TOLERANCE = 0.1;
/** Without an interval (the quarter's first days), a forecast short by up to 25% is at risk. */
export const AT_RISK_TOLERANCE = 0.25;

export type Pacing = {
  /** Share of the quarter elapsed, 0-1. */
  elapsed: number;
  /** expected = start + (target - start) x elapsed */
  expected: number;
  status: PacingStatus;
  /** The forecast value at the quarter's end (see `Forecast`). */
  forecast: number | null;
};

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Where a KPI stands at `asOf` against its target. Once the quarter is over: met or missed. Before:
 * on track when the forecast reaches the target within ON_TRACK_TOLERANCE (of the target, or of
 * the planned change when the target is 0); at risk when it does not but the interval's better end
 * does; off track when even that falls short. Without an interval the forecast alone decides: at
 * risk within AT_RISK_TOLERANCE, off track beyond.
 */
export function pace(
  t: { startValue: number; target: number; direction: Direction },
  actual: number | null,
  quarter: Range,
  asOf: number,
  forecast: Forecast | null = null,
): Pacing {
  const elapsed = Math.min(1, Math.max(0, (asOf - quarter.from) / (quarter.to - quarter.from)));
  const expected = t.startValue + (t.target - t.startValue) * elapsed;
  const view = (status: PacingStatus) => ({
    elapsed: round(elapsed),
    expected: round(expected),
    status,
    forecast: actual === null ? null : (forecast?.value ?? actual),
  });
  if (actual === null) return view("no_data");
  const better = t.direction === "higher" ? 1 : -1;
  if (elapsed >= 1) return view((actual - t.target) * better >= 0 ? "met" : "missed");
  const base = Math.abs(t.target) || Math.abs(t.target - t.startValue) || 1;
  /** How far `v` falls short of the target, as a share of `base`; ahead of it is never a problem. */
  const short = (v: number) => Math.max(0, ((t.target - v) * better) / base);
  if (short(forecast?.value ?? actual) <= ON_TRACK_TOLERANCE) return view("on_track");
  const reach = better > 0 ? forecast?.high : forecast?.low;
  if (reach === null || reach === undefined) {
    return view(short(forecast?.value ?? actual) <= AT_RISK_TOLERANCE ? "at_risk" : "off_track");
  }
  return view(short(reach) <= ON_TRACK_TOLERANCE ? "at_risk" : "off_track");
}

export type TargetRow = typeof kpiTargets.$inferSelect;

/** A KPI's target as reported, with its pacing at `asOf`; both null without a target. */
export function targetView(
  t: TargetRow | undefined,
  value: number | null,
  quarter: string,
  asOf: number,
  forecast: Forecast | null = null,
) {
  if (!t) return { target: null, pacing: null };
  const pacing: Pacing = pace(t, value, quarterRange(quarter), asOf, forecast);
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
