// Calendar quarters and days in UTC, as KPIs count them.
import type { Range } from "../lib/range.ts";

export const DAY = 86_400_000;
export const QUARTER_PATTERN = /^(\d{4})-Q([1-4])$/;

/** `2026-Q4` -> [Oct 1, Jan 1) in UTC. */
export function quarterRange(quarter: string): Range {
  const m = QUARTER_PATTERN.exec(quarter);
  if (!m) throw new Error(`not a quarter: ${quarter}`);
  const year = Number(m[1]);
  const q = Number(m[2]) - 1;
  return { from: Date.UTC(year, q * 3, 1), to: Date.UTC(year, q * 3 + 3, 1) };
}

export function quarterOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** The quarter `offset` quarters after `quarter` (negative for earlier ones). */
export function shiftQuarter(quarter: string, offset: number): string {
  const m = QUARTER_PATTERN.exec(quarter);
  if (!m) throw new Error(`not a quarter: ${quarter}`);
  const index = Number(m[1]) * 4 + Number(m[2]) - 1 + offset;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/** Where a quarter stands: `live` while it runs, `final` from its last snapshot once over, `future` before. */
export function quarterPhase(quarter: string, now: number): "future" | "live" | "final" {
  const r = quarterRange(quarter);
  return now < r.from ? "future" : now < r.to ? "live" : "final";
}

export const startOfDay = (ms: number) => Math.floor(ms / DAY) * DAY;

/** Monday 00:00 UTC of the week holding `ms`. */
export function startOfWeek(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}

/** The last of `rows` in each Monday-to-Sunday week, per KPI, in day order. */
export function lastOfEachWeek<R extends { kpi: string; day: number }>(rows: R[]): R[] {
  const last = new Map<string, R>();
  for (const r of [...rows].sort((a, b) => a.day - b.day)) last.set(`${r.kpi}:${startOfWeek(r.day)}`, r);
  return [...last.values()];
}
