// Uptime per component per day, rebuilt from the recorded status history.
import { COMPONENT_STATUSES, type ComponentStatus } from "../../db/schema/index.ts";
import type { Component, Page } from "./types.ts";

export const DAY_MS = 86_400_000;
export const UPTIME_DAYS = 90;

export type Minutes = Record<ComponentStatus, number>;
export type UptimeDay = { date: string; minutes: Minutes; uptime: number | null };
export type Change = { status: ComponentStatus; at: number };

const zero = (): Minutes => Object.fromEntries(COMPONENT_STATUSES.map((s) => [s, 0])) as Minutes;

export const startOfUtcDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/**
 * Share of the day that counts as up. Major outage is down, partial outage counts `partialWeight`
 * of down, degraded is up; maintenance minutes are left out of the day (as Statuspage does).
 */
export function uptimeOf(m: Minutes, partialWeight: number): number | null {
  const counted = m.operational + m.degraded_performance + m.partial_outage + m.major_outage;
  if (counted <= 0) return null;
  return Math.max(0, (counted - m.major_outage - partialWeight * m.partial_outage) / counted);
}

/**
 * Minutes in each status for the `days` UTC days ending today, from `changes` (ascending; the
 * first may precede the window and gives the state it opens with). Time before the first
 * change and after `now` is not counted.
 */
export function uptimeDays(
  changes: Change[],
  opts: { now: number; days?: number; partialWeight: number },
): { days: UptimeDay[]; uptime: number | null; minutes: Minutes } {
  const n = opts.days ?? UPTIME_DAYS;
  const from = startOfUtcDay(opts.now) - (n - 1) * DAY_MS;
  const days = Array.from({ length: n }, () => zero());
  for (let i = 0; i < changes.length; i++) {
    const start = Math.max(changes[i].at, from);
    const end = Math.min(changes[i + 1]?.at ?? opts.now, opts.now);
    for (let t = start; t < end; ) {
      const d = Math.floor((t - from) / DAY_MS);
      const dayEnd = from + (d + 1) * DAY_MS;
      const until = Math.min(end, dayEnd);
      days[d][changes[i].status] += (until - t) / 60_000;
      t = until;
    }
  }
  const total = zero();
  const out = days.map((m, i) => {
    for (const s of COMPONENT_STATUSES) {
      total[s] += m[s];
      m[s] = Math.round(m[s]);
    }
    return {
      date: new Date(from + i * DAY_MS).toISOString().slice(0, 10),
      minutes: m,
      uptime: uptimeOf(m, opts.partialWeight),
    };
  });
  for (const s of COMPONENT_STATUSES) total[s] = Math.round(total[s]);
  return { days: out, uptime: uptimeOf(total, opts.partialWeight), minutes: total };
}

/** Where the page's 90-day window starts: the UTC day 89 days before today's. */
export const windowStart = (now: number) => startOfUtcDay(now) - (UPTIME_DAYS - 1) * DAY_MS;

export type ComponentUptime = { id: string; name: string; uptime: number | null; days: UptimeDay[] };

/** 90 days of uptime for every component of the page from its `history`, with the weights used. */
export function uptimeReport(page: Page, components: Component[], history: Map<string, Change[]>, now: number) {
  return {
    days: UPTIME_DAYS,
    weights: {
      major_outage: 1,
      partial_outage: page.partialWeight,
      degraded_performance: 0,
      operational: 0,
      under_maintenance: null,
    },
    note: "Share of each day counted as down per status; under_maintenance minutes are left out of the day.",
    components: components.map((c): ComponentUptime => {
      const u = uptimeDays(history.get(c.id) ?? [], { now, partialWeight: page.partialWeight });
      return { id: c.id, name: c.name, uptime: u.uptime, days: u.days };
    }),
  };
}
