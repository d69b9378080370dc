// The KPI dashboard and history: values (live for the running quarter, from snapshots once a quarter
// ends), forecasts, targets and pacing. Live values and daily snapshots are one computation: `kpisAsOf`.
import { and, asc, eq, gte, lt, max } from "drizzle-orm";
import { KPI_IDS, type KpiId, kpiSnapshots, kpiTargets } from "../../../db/schema/index.ts";
import { type Db, inJson } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { computeKpis, KPI_DEFINITIONS } from "../definitions.ts";
import type { KpiResult } from "../formulas.ts";
import { type TargetRow, targetView } from "../pacing.ts";
import {
  DAY,
  lastOfEachWeek,
  quarterOf,
  quarterPhase,
  quarterRange,
  shiftQuarter,
  startOfDay,
  startOfWeek,
} from "../quarters.ts";
import { cachedReport } from "../report-cache.ts";
import type { KpiSettings } from "../schemas.ts";
import { standingOn } from "../standing.ts";
import { getSettings } from "./settings.ts";
import { gatherFacts } from "./sources.ts";

/** `range` widened to whole UTC days: the KPIs' event sources are daily rollups. */
export const wholeDays = (range: Range): Range => ({
  from: startOfDay(range.from),
  to: Math.ceil(range.to / DAY) * DAY,
});

/** Every KPI over `range` (whole UTC days), computed now from the rollups and records. */
export async function computeRange(db: Db, range: Range, settings?: KpiSettings): Promise<Record<KpiId, KpiResult>> {
  const s = settings ?? (await getSettings(db));
  return computeKpis(await gatherFacts(db, wholeDays(range), s), s);
}

/**
 * Every KPI as of the end of `day` (UTC): quarter to date, today included. The one computation
 * behind live values, daily snapshots and the demo seed's history.
 */
export async function kpisAsOf(db: Db, day: number, settings?: KpiSettings): Promise<Record<KpiId, KpiResult>> {
  const d = startOfDay(day);
  return computeRange(db, { from: quarterRange(quarterOf(d)).from, to: d + DAY }, settings);
}

/** GET /api/v1/kpis/range: every KPI with its definition over `range` widened to whole days (no targets). */
export async function rangeReport(db: Db, range: Range) {
  const days = wholeDays(range);
  const results = await computeRange(db, days);
  return { ...days, kpis: KPI_IDS.map((kpi) => ({ kpi, ...KPI_DEFINITIONS[kpi], ...results[kpi] })) };
}

/** Stored daily values (and statuses) of `kpis` on the days of `range`, oldest first. */
export async function dailyValues(db: Db, range: Range, kpis: readonly KpiId[] = KPI_IDS) {
  return db
    .select({ kpi: kpiSnapshots.kpi, day: kpiSnapshots.day, value: kpiSnapshots.value, status: kpiSnapshots.status })
    .from(kpiSnapshots)
    .where(and(inJson(kpiSnapshots.kpi, [...kpis]), gte(kpiSnapshots.day, range.from), lt(kpiSnapshots.day, range.to)))
    .orderBy(asc(kpiSnapshots.day));
}

/** Each KPI's last snapshot in `range`, with its inputs: a quarter's record once it is over. */
async function lastSnapshots(db: Db, range: Range, kpis: readonly KpiId[] = KPI_IDS) {
  const latest = db
    .select({ kpi: kpiSnapshots.kpi, day: max(kpiSnapshots.day).as("last_day") })
    .from(kpiSnapshots)
    .where(and(inJson(kpiSnapshots.kpi, [...kpis]), gte(kpiSnapshots.day, range.from), lt(kpiSnapshots.day, range.to)))
    .groupBy(kpiSnapshots.kpi)
    .as("latest");
  return db
    .select({ kpi: kpiSnapshots.kpi, day: kpiSnapshots.day, value: kpiSnapshots.value, inputs: kpiSnapshots.inputs })
    .from(kpiSnapshots)
    .innerJoin(latest, and(eq(latest.kpi, kpiSnapshots.kpi), eq(latest.day, kpiSnapshots.day)));
}

export async function targetsOf(db: Db, quarters: string[]): Promise<TargetRow[]> {
  return db.select().from(kpiTargets).where(inJson(kpiTargets.quarter, quarters));
}

/**
 * GET /api/v1/kpis: every KPI for a quarter with its forecast, target, pacing and sparkline. Kept
 * in the isolate for REPORT_FRESH_MS (report-cache.ts) unless `fresh`.
 */
export async function quarterReport(
  db: Db,
  quarter: string,
  now: number,
  opts: { fresh?: boolean; keepAlive?: (work: Promise<unknown>) => void } = {},
) {
  return cachedReport(
    `${quarter}@${startOfDay(now)}`,
    now,
    opts.fresh ?? false,
    () => buildQuarterReport(db, quarter, now),
    opts.keepAlive,
  );
}

async function buildQuarterReport(db: Db, quarter: string, now: number) {
  const range = quarterRange(quarter);
  const phase = quarterPhase(quarter, now);
  const today = startOfDay(now);
  const settings = await getSettings(db);
  // One round of concurrent reads: D1's latency per query is what this endpoint costs.
  const [daily, targets, live, finals] = await Promise.all([
    dailyValues(db, { from: range.from, to: Math.min(range.to, today) }),
    targetsOf(db, [quarter]),
    phase === "live" ? kpisAsOf(db, today, settings) : null,
    phase === "final" ? lastSnapshots(db, range) : [],
  ]);
  let results: Partial<Record<KpiId, KpiResult>> = live ?? {};
  if (phase === "final") {
    // The quarter's last snapshot is its record; without one, compute the whole quarter now.
    results = Object.fromEntries(finals.map((s) => [s.kpi, { value: s.value, inputs: s.inputs }]));
    if (KPI_IDS.some((id) => !results[id])) {
      const computed = await computeRange(db, range, settings);
      for (const id of KPI_IDS) results[id] ??= computed[id];
    }
  }
  const kpis = KPI_IDS.map((id) => {
    const result = results[id] ?? { value: null, inputs: {} };
    const mine = daily.filter((s) => s.kpi === id);
    const target = targets.find((t) => t.kpi === id);
    return {
      kpi: id,
      ...KPI_DEFINITIONS[id],
      value: result.value,
      inputs: result.inputs,
      ...(phase === "live"
        ? standingOn(id, today, result.value, mine, target)
        : { forecast: null, ...targetView(target, result.value, quarter, now) }),
      sparkline: lastOfEachWeek(mine).map((s) => ({ day: s.day, value: s.value })),
    };
  });
  const asOf = Math.min(now, range.to);
  return { quarter, from: range.from, to: range.to, phase, asOf, currency: settings.currency, kpis };
}

/** GET /api/v1/kpis/:kpi/history: weekly values over the last `quarters` quarters and each quarter's outcome. */
export async function kpiHistory(db: Db, kpi: KpiId, quarters: number, now: number) {
  const current = quarterOf(now);
  const names = Array.from({ length: quarters }, (_, i) => shiftQuarter(current, i - quarters + 1));
  const from = quarterRange(names[0]).from;
  const [daily, targets, ...finals] = await Promise.all([
    dailyValues(db, { from, to: now + DAY }, [kpi]),
    targetsOf(db, names),
    ...names.map((q) => lastSnapshots(db, quarterRange(q), [kpi])),
  ]);
  // A week's value is its last snapshot (each snapshot is quarter-to-date at the end of its day).
  const weeks = lastOfEachWeek(daily).map((s) => ({
    week: startOfWeek(s.day),
    quarter: quarterOf(s.day),
    day: s.day,
    value: s.value,
  }));
  const byQuarter = names.map((quarter, i) => {
    const last = finals[i][0];
    const value = last?.value ?? null;
    const target = targets.find((t) => t.kpi === kpi && t.quarter === quarter);
    const phase = quarterPhase(quarter, now);
    return {
      quarter,
      phase,
      value,
      inputs: last?.inputs ?? null,
      asOf: last?.day ?? null,
      // The running quarter stands where its last snapshot left it.
      ...(phase === "live" && last
        ? standingOn(kpi, last.day, value, daily, target)
        : { forecast: null, ...targetView(target, value, quarter, now) }),
    };
  });
  return { kpi, ...KPI_DEFINITIONS[kpi], weeks, quarters: byQuarter };
}
