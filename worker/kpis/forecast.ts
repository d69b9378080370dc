// Where a KPI will end its quarter: the drift method over its daily quarter-to-date values, with an
// 80% prediction interval, kept inside what the KPI can be.
import type { Range } from "../lib/range.ts";

const DAY = 86_400_000;
/** How many recent daily values the drift is measured over. */
export const FORECAST_WINDOW_DAYS = 28;
/** Fewer consecutive daily values than this and the forecast is the latest value, with no interval. */
export const FORECAST_MIN_DAYS = 7;
/** The prediction interval's coverage, and its normal quantile (Φ⁻¹(0.9) for a two-sided 80%). */
export const FORECAST_LEVEL = 0.8;
const Z = 1.2816;

export type Forecast = {
  /** The KPI's forecast value at the end of the quarter's last day. */
  value: number;
  /** The prediction interval, or null when there are too few days to measure the scatter. */
  low: number | null;
  high: number | null;
  level: number;
  /** `drift`: latest value + mean daily change × days left; `latest`: the latest value as it is. */
  method: "drift" | "latest";
  /** The daily values it was computed from. */
  days: number;
};

const round = (n: number) => Math.round(n * 10_000) / 10_000;

function clamp(v: number, [min, max]: [number, number | null]): number {
  return Math.max(min, max === null ? v : Math.min(max, v));
}

/** The latest run of values on consecutive days, oldest first, at most FORECAST_WINDOW_DAYS long. */
function recentRun(series: Array<{ day: number; value: number | null }>): number[] {
  const byDay = [...series].sort((a, b) => a.day - b.day);
  const run: number[] = [];
  for (let i = byDay.length - 1; i >= 0 && run.length < FORECAST_WINDOW_DAYS; i--) {
    const p = byDay[i];
    if (p.value === null || (run.length && byDay[i + 1].day - p.day !== DAY)) break;
    run.unshift(p.value);
  }
  return run;
}

/**
 * Forecasts the KPI's value at the end of `quarter` from its daily quarter-to-date values up to
 * and including the day of `asOf`, by the drift method (Hyndman & Athanasopoulos, Forecasting:
 * Principles and Practice, §5.2): the latest value plus the mean daily change of the last
 * FORECAST_WINDOW_DAYS days times the days left, h. Its prediction interval is
 * ± z·σ·√(h·(1 + h/m)), σ the standard deviation of the m daily changes around their mean (§5.5).
 * Value and interval are clamped to `limits`. Null without a latest value.
 */
export function forecastQuarterEnd(
  series: Array<{ day: number; value: number | null }>,
  quarter: Range,
  asOf: number,
  limits: [number, number | null],
): Forecast | null {
  const run = recentRun(series.filter((p) => p.day >= quarter.from && p.day < asOf));
  if (!run.length) return null;
  const latest = run[run.length - 1];
  const h = Math.max(0, Math.round((quarter.to - asOf) / DAY));
  if (run.length < FORECAST_MIN_DAYS) {
    const value = round(clamp(latest, limits));
    return { value, low: null, high: null, level: FORECAST_LEVEL, method: "latest", days: run.length };
  }
  const changes = run.slice(1).map((v, i) => v - run[i]);
  const m = changes.length;
  const drift = changes.reduce((s, d) => s + d, 0) / m;
  const sigma = Math.sqrt(changes.reduce((s, d) => s + (d - drift) ** 2, 0) / (m - 1));
  const point = latest + drift * h;
  const half = Z * sigma * Math.sqrt(h * (1 + h / m));
  return {
    value: round(clamp(point, limits)),
    low: round(clamp(point - half, limits)),
    high: round(clamp(point + half, limits)),
    level: FORECAST_LEVEL,
    method: "drift",
    days: run.length,
  };
}
