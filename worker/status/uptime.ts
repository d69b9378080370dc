// Uptime per component per day, rebuilt from the recorded status history.
import { sql } from "drizzle-orm";
import { COMPONENT_STATUSES, type ComponentStatus } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";

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

/** Each component's history on the page from the window's start, plus the state it opened with. */
export async function pageHistory(db: Db, pageId: string, from: number): Promise<Map<string, Change[]>> {
  const rows = await db.all<{ component_id: string; status: ComponentStatus; at: number }>(sql`
    SELECT id, component_id, status, at FROM status_component_changes
    WHERE component_id IN (SELECT id FROM status_components WHERE page_id = ${pageId}) AND at >= ${from}
    UNION ALL
    SELECT c.id, c.component_id, c.status, c.at FROM status_component_changes c
    WHERE c.component_id IN (SELECT id FROM status_components WHERE page_id = ${pageId})
      AND c.at = (SELECT max(at) FROM status_component_changes p WHERE p.component_id = c.component_id AND p.at < ${from})
    ORDER BY 2, 4, 1`);
  const byComponent = new Map<string, Change[]>();
  for (const r of rows) {
    const list = byComponent.get(r.component_id) ?? [];
    list.push({ status: r.status, at: r.at });
    byComponent.set(r.component_id, list);
  }
  return byComponent;
}
