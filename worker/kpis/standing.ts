// Where a KPI stands on a day: its forecast for the quarter's end and its pacing against the target.
import type { KpiId } from "../../db/schema/index.ts";
import { KPI_DEFINITIONS } from "./definitions.ts";
import { forecastQuarterEnd } from "./forecast.ts";
import { type TargetRow, targetView } from "./pacing.ts";
import { DAY, quarterOf, quarterRange } from "./quarters.ts";

/**
 * Where `kpi` stands at the end of `day`, with `value` its quarter-to-date value then and
 * `earlier` its daily values before (any days; those of the day's quarter are used): the forecast
 * for the quarter's end, and the target and pacing. The live report, the daily snapshot and the
 * demo seed all ask this.
 */
export function standingOn(
  kpi: KpiId,
  day: number,
  value: number | null,
  earlier: Array<{ day: number; value: number | null }>,
  target: TargetRow | undefined,
) {
  const quarter = quarterOf(day);
  const range = quarterRange(quarter);
  const asOf = day + DAY;
  const forecast =
    value === null
      ? null
      : forecastQuarterEnd(
          [...earlier.filter((p) => p.day < day), { day, value }],
          range,
          asOf,
          KPI_DEFINITIONS[kpi].limits,
        );
  return { forecast, ...targetView(target, value, quarter, asOf, forecast) };
}
