// The KPI math: pure functions over plain numbers, so each formula can be checked by hand.
import type { Range } from "../lib/range.ts";
import { quarterRange } from "./quarters.ts";

/** A KPI's value with everything it was computed from; `value` is null when there is no data. */
export type KpiResult = { value: number | null; inputs: Record<string, number | string | null> };

/** num / den, or null when the denominator is empty (no data is not zero). */
export const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

const round = (n: number | null, digits = 4) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** NPS = % promoters (9-10) - % detractors (0-6), from -100 to 100. */
export function nps(scores: number[]): KpiResult {
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const responses = scores.length;
  const value = responses ? ((promoters - detractors) / responses) * 100 : null;
  return {
    value: round(value, 2),
    inputs: { responses, promoters, passives: responses - promoters - detractors, detractors },
  };
}

/** Cohort retention: of the `cohort` contacts active at the start, the `retained` still active at the end. */
export function retention({ cohort, retained }: { cohort: number; retained: number }) {
  const rate = ratio(retained, cohort);
  return { cohort, retained, retention: round(rate), churn: rate === null ? null : round(1 - rate) };
}

/** Customers with 2+ orders / customers with 1+ order, from each customer's order count in the range. */
export function repeatPurchase(orderCounts: number[]): KpiResult {
  const customers = orderCounts.filter((n) => n >= 1).length;
  const repeatCustomers = orderCounts.filter((n) => n >= 2).length;
  return { value: round(ratio(repeatCustomers, customers)), inputs: { customers, repeatCustomers } };
}

/** CLV = ARPU x gross margin / churn rate, ARPU = revenue / paying customers, all over the same range. */
export function clv(q: { revenue: number; payingCustomers: number; grossMargin: number; churnRate: number | null }) {
  const arpu = ratio(q.revenue, q.payingCustomers);
  const value = arpu !== null && q.churnRate !== null && q.churnRate > 0 ? (arpu * q.grossMargin) / q.churnRate : null;
  return {
    value: round(value, 2),
    inputs: {
      revenue: round(q.revenue, 2),
      payingCustomers: q.payingCustomers,
      arpu: round(arpu, 2),
      grossMargin: q.grossMargin,
      churnRate: round(q.churnRate),
    },
  };
}

/** CAC = marketing spend / new customers (first order in the range). */
export function cac(q: { spend: number; newCustomers: number }): KpiResult {
  return {
    value: round(ratio(q.spend, q.newCustomers), 2),
    inputs: { spend: round(q.spend, 2), newCustomers: q.newCustomers },
  };
}

/** CLV:CAC, judged against the 3:1 line. */
export function clvToCac(clvValue: number | null, cacValue: number | null): KpiResult {
  const value = clvValue !== null && cacValue !== null && cacValue > 0 ? clvValue / cacValue : null;
  return { value: round(value, 2), inputs: { clv: clvValue, cac: cacValue, line: 3 } };
}

/**
 * Spend falling in `range`: each quarter's amount spread evenly over the quarter, so a
 * quarter-to-date range carries the elapsed share of the quarter's spend.
 */
export function spendIn(range: Range, spend: Array<{ quarter: string; amount: number }>): number {
  let total = 0;
  for (const s of spend) {
    const q = quarterRange(s.quarter);
    const overlap = Math.min(q.to, range.to) - Math.max(q.from, range.from);
    if (overlap > 0) total += (s.amount * overlap) / (q.to - q.from);
  }
  return total;
}

/**
 * Engagement score, 0-100: each contact's weighted event count (weights per event name)
 * scaled so that `fullScore` points is 100 and capped there; the KPI is the mean over the
 * contacts active in the range (`scoreSum / activeContacts`).
 */
export function engagementScore(
  counts: Array<{ contactId: string; event: string; count: number }>,
  weights: Record<string, number>,
  fullScore: number,
  activeContacts: number,
): KpiResult {
  const points = new Map<string, number>();
  for (const r of counts) {
    if (Object.hasOwn(weights, r.event))
      points.set(r.contactId, (points.get(r.contactId) ?? 0) + weights[r.event] * r.count);
  }
  let sum = 0;
  for (const p of points.values()) sum += Math.min(100, (Math.max(0, p) / fullScore) * 100);
  const contacts = Math.max(activeContacts, points.size);
  return {
    value: round(ratio(sum, contacts), 2),
    inputs: { activeContacts: contacts, scoredContacts: points.size, scoreSum: round(sum, 2) },
  };
}
