// What other capabilities, the platform and the seed may use of kpis. Nothing else is imported from outside.

import type { KpiId } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import type { KpiResult } from "./formulas.ts";
import { eraseKpisStatements, exportKpisData } from "./store/gdpr.ts";
import { kpisAsOf as asOf } from "./store/report.ts";

/** NPS from a list of 0-10 scores, with its inputs (the demo seed computes its history with it). */
export { nps } from "./formulas.ts";
/** Where a KPI stands against its target at a moment, given its forecast (the seed aims a target with it). */
export { pace } from "./pacing.ts";
/** Calendar quarters in UTC: `2026-Q4`, its `[from, to)` range, and the quarter some quarters away. */
export { quarterOf, quarterRange, shiftQuarter } from "./quarters.ts";
/** A KPI's forecast and status on a day, as the daily snapshot stores them (the seed stores each day's). */
export { standingOn } from "./standing.ts";

/** KPIs' part of GDPR export and erase (the platform gathers every capability's part). */
export const kpisGdpr = { exportFor: exportKpisData, eraseStatements: eraseKpisStatements };

/**
 * Every KPI as of the end of UTC `day`, quarter to date: the one computation behind live values and
 * daily snapshots (the seed writes its history with it, so the latest snapshot equals the live value).
 */
export async function kpisAsOf(db: Db, day: number): Promise<Record<KpiId, KpiResult>> {
  return asOf(db, day);
}
