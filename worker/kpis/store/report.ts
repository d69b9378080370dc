// The KPI dashboard and history: values (live for the running quarter, from snapshots once a quarter ends), targets and pacing.
import { and, asc, eq, gte, inArray, lt, max, sql } from "drizzle-orm";
import { KPI_IDS, type KpiId, kpiSnapshots, kpiTargets } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { computeKpis, KPI_DEFINITIONS } from "../definitions.ts";
import type { KpiResult } from "../formulas.ts";
import { type TargetRow, targetView } from "../pacing.ts";
import { DAY, quarterOf, quarterPhase, quarterRange, shiftQuarter, startOfWeek } from "../quarters.ts";
import { getSettings } from "./settings.ts";
import { gatherFacts } from "./sources.ts";

/** Every KPI over `range`, computed now from the live data. */
export async function computeRange(db: Db, range: Range): Promise<Record<KpiId, KpiResult>> {
  const settings = await getSettings(db);
  return computeKpis(await gatherFacts(db, range, settings), settings);
}

/** GET /api/v1/kpis/range: every KPI with its definition over `range`, computed now (no targets). */
export async function rangeReport(db: Db, range: Range) {
  const results = await computeRange(db, range);
  return { ...range, kpis: KPI_IDS.map((kpi) => ({ kpi, ...KPI_DEFINITIONS[kpi], ...results[kpi] })) };
}

/**
 * Weekly values for charts: each KPI's last snapshot of each Monday-to-Sunday week (SQLite
 * returns the bare columns of the row holding max()). The epoch began on a Thursday, hence + 3 days.
 */
async function weeklyValues(db: Db, range: Range, kpis: readonly KpiId[] = KPI_IDS) {
  return db
    .select({ kpi: kpiSnapshots.kpi, day: max(kpiSnapshots.day).mapWith(Number), value: kpiSnapshots.value })
    .from(kpiSnapshots)
    .where(and(inArray(kpiSnapshots.kpi, [...kpis]), gte(kpiSnapshots.day, range.from), lt(kpiSnapshots.day, range.to)))
    .groupBy(kpiSnapshots.kpi, sql`(${kpiSnapshots.day} + ${sql.raw(String(3 * DAY))}) / ${sql.raw(String(7 * DAY))}`)
    .orderBy(asc(max(kpiSnapshots.day)));
}

/** Each KPI's last snapshot in `range`, with its inputs: a quarter's record once it is over. */
async function lastSnapshots(db: Db, range: Range, kpis: readonly KpiId[] = KPI_IDS) {
  const latest = db
    .select({ kpi: kpiSnapshots.kpi, day: max(kpiSnapshots.day).as("last_day") })
    .from(kpiSnapshots)
    .where(and(inArray(kpiSnapshots.kpi, [...kpis]), gte(kpiSnapshots.day, range.from), lt(kpiSnapshots.day, range.to)))
    .groupBy(kpiSnapshots.kpi)
    .as("latest");
  return db
    .select({ kpi: kpiSnapshots.kpi, day: kpiSnapshots.day, value: kpiSnapshots.value, inputs: kpiSnapshots.inputs })
    .from(kpiSnapshots)
    .innerJoin(latest, and(eq(latest.kpi, kpiSnapshots.kpi), eq(latest.day, kpiSnapshots.day)));
}

export async function targetsOf(db: Db, quarters: string[]): Promise<TargetRow[]> {
  return db.select().from(kpiTargets).where(inArray(kpiTargets.quarter, quarters));
}

/** GET /api/v1/kpis: every KPI for a quarter with its target, pacing, forecast and sparkline. */
export async function quarterReport(db: Db, quarter: string, now: number) {
  const range = quarterRange(quarter);
  const phase = quarterPhase(quarter, now);
  // One round of concurrent reads: D1's latency per query is what this endpoint costs.
  const [snapshots, targets, live, finals, settings] = await Promise.all([
    weeklyValues(db, range),
    targetsOf(db, [quarter]),
    phase === "live" ? computeRange(db, { from: range.from, to: now }) : null,
    phase === "final" ? lastSnapshots(db, range) : [],
    getSettings(db),
  ]);
  let results: Partial<Record<KpiId, KpiResult>> = live ?? {};
  if (phase === "final") {
    // The quarter's last snapshot is its record; without one, compute the whole quarter now.
    results = Object.fromEntries(finals.map((s) => [s.kpi, { value: s.value, inputs: s.inputs }]));
    if (KPI_IDS.some((id) => !results[id])) {
      const computed = await computeRange(db, range);
      for (const id of KPI_IDS) results[id] ??= computed[id];
    }
  }
  const kpis = KPI_IDS.map((id) => {
    const result = results[id] ?? { value: null, inputs: {} };
    return {
      kpi: id,
      ...KPI_DEFINITIONS[id],
      value: result.value,
      inputs: result.inputs,
      ...targetView(
        targets.find((t) => t.kpi === id),
        result.value,
        quarter,
        now,
      ),
      sparkline: snapshots.filter((s) => s.kpi === id).map((s) => ({ day: s.day, value: s.value })),
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
  const [snapshots, targets, ...finals] = await Promise.all([
    weeklyValues(db, { from, to: now + DAY }, [kpi]),
    targetsOf(db, names),
    ...names.map((q) => lastSnapshots(db, quarterRange(q), [kpi])),
  ]);
  // A week's value is its last snapshot (each snapshot is quarter-to-date at the end of its day).
  const weeks = snapshots.map((s) => ({
    week: startOfWeek(s.day),
    quarter: quarterOf(s.day),
    day: s.day,
    value: s.value,
  }));
  const byQuarter = names.map((quarter, i) => {
    const last = finals[i][0];
    const value = last?.value ?? null;
    return {
      quarter,
      phase: quarterPhase(quarter, now),
      value,
      inputs: last?.inputs ?? null,
      asOf: last?.day ?? null,
      ...targetView(
        targets.find((t) => t.kpi === kpi && t.quarter === quarter),
        value,
        quarter,
        now,
      ),
    };
  });
  return { kpi, ...KPI_DEFINITIONS[kpi], weeks, quarters: byQuarter };
}
