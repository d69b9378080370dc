/** A half-open time range [from, to) in epoch milliseconds, used by every KPI input. */
export type Range = { from: number; to: number };
