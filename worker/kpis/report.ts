// The KPI dashboard and history: values (live for the running quarter, from snapshots once a quarter ends), targets and pacing.
import { and, asc, gte, inArray, lt } from "drizzle-orm";
import { KPI_IDS, type KpiId, kpiSnapshots, kpiTargets } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { computeKpis, KPI_DEFINITIONS } from "./definitions.ts";
import type { KpiResult } from "./formulas.ts";
import { type Pacing, pace } from "./pacing.ts";
import { DAY, quarterOf, quarterRange, shiftQuarter, startOfWeek } from "./quarters.ts";
import { getSettings } from "./settings.ts";
import { gatherFacts } from "./sources.ts";

export type TargetRow = typeof kpiTargets.$inferSelect;

/** Every KPI over `range`, computed now from the live data. */
export async function computeRange(db: Db, range: Range): Promise<Record<KpiId, KpiResult>> {
  const settings = await getSettings(db);
  return computeKpis(await gatherFacts(db, range, settings), settings);
}

async function snapshotsBetween(db: Db, range: Range, kpis: readonly KpiId[] = KPI_IDS) {
  return db
    .select({ kpi: kpiSnapshots.kpi, day: kpiSnapshots.day, value: kpiSnapshots.value, inputs: kpiSnapshots.inputs })
    .from(kpiSnapshots)
    .where(and(inArray(kpiSnapshots.kpi, [...kpis]), gte(kpiSnapshots.day, range.from), lt(kpiSnapshots.day, range.to)))
    .orderBy(asc(kpiSnapshots.day));
}

export async function targetsOf(db: Db, quarters: string[]): Promise<TargetRow[]> {
  return db.select().from(kpiTargets).where(inArray(kpiTargets.quarter, quarters));
}

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

/** Where a quarter stands: `live` while it runs, `final` from its last snapshot once over, `future` before. */
export function quarterPhase(quarter: string, now: number): "future" | "live" | "final" {
  const r = quarterRange(quarter);
  return now < r.from ? "future" : now < r.to ? "live" : "final";
}

/** GET /api/v1/kpis: every KPI for a quarter with its target, pacing, forecast and sparkline. */
export async function quarterReport(db: Db, quarter: string, now: number) {
  const range = quarterRange(quarter);
  const phase = quarterPhase(quarter, now);
  const [snapshots, targets] = await Promise.all([snapshotsBetween(db, range), targetsOf(db, [quarter])]);
  let results: Partial<Record<KpiId, KpiResult>> = {};
  if (phase === "live") results = await computeRange(db, { from: range.from, to: now });
  if (phase === "final") {
    // The quarter's last snapshot is its record; without one, compute the whole quarter now.
    for (const s of snapshots) results[s.kpi] = { value: s.value, inputs: s.inputs as KpiResult["inputs"] };
    if (KPI_IDS.some((id) => !results[id])) {
      const live = await computeRange(db, range);
      for (const id of KPI_IDS) results[id] ??= live[id];
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
  return { quarter, from: range.from, to: range.to, phase, asOf: Math.min(now, range.to), kpis };
}

/** GET /api/v1/kpis/:kpi/history: weekly values over the last `quarters` quarters and each quarter's outcome. */
export async function kpiHistory(db: Db, kpi: KpiId, quarters: number, now: number) {
  const current = quarterOf(now);
  const names = Array.from({ length: quarters }, (_, i) => shiftQuarter(current, i - quarters + 1));
  const from = quarterRange(names[0]).from;
  const [snapshots, targets] = await Promise.all([
    snapshotsBetween(db, { from, to: now + DAY }, [kpi]),
    targetsOf(db, names),
  ]);
  // A week's value is its last snapshot (each snapshot is quarter-to-date at the end of its day).
  const weeks = new Map<number, { week: number; quarter: string; day: number; value: number | null }>();
  for (const s of snapshots) {
    weeks.set(startOfWeek(s.day), { week: startOfWeek(s.day), quarter: quarterOf(s.day), day: s.day, value: s.value });
  }
  const byQuarter = names.map((quarter) => {
    const last = snapshots.filter((s) => quarterOf(s.day) === quarter).at(-1);
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
  return { kpi, ...KPI_DEFINITIONS[kpi], weeks: [...weeks.values()], quarters: byQuarter };
}
