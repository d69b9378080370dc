/** The referral funnel: which days a stats request covers, and how clicks and sign-ups add up per key. */
import { badRequest } from "../lib/problem.ts";

const DAY = 86_400_000;

export type Funnel = {
  clicks: number;
  uniqueClicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
  conversionRate: number | null;
};

export type ClickRow = { k: string; clicks: number; uniq: number };
export type SignupRow = { k: string; signups: number; qualified: number; rewarded: number };

/**
 * Sealed and raw click rows added up per key. Visitors add up too: the visitor hash changes every
 * UTC day, so distinct visitors over days are the sum of each day's.
 */
export function addClickRows(a: ClickRow[], b: ClickRow[]): ClickRow[] {
  const out = new Map<string, ClickRow>();
  for (const r of [...a, ...b]) {
    const t = out.get(r.k) ?? { k: r.k, clicks: 0, uniq: 0 };
    out.set(r.k, { k: r.k, clicks: t.clicks + (r.clicks ?? 0), uniq: t.uniq + (r.uniq ?? 0) });
  }
  return [...out.values()];
}

/** Qualified referrals per referred sign-up, or null without sign-ups. */
export const conversionRate = (qualified: number, signups: number) => (signups ? qualified / signups : null);

export const emptyFunnel = (): Funnel => ({
  clicks: 0,
  uniqueClicks: 0,
  signups: 0,
  qualified: 0,
  rewarded: 0,
  conversionRate: null,
});

/** One funnel per key of the click and sign-up rows (and per key of `keys`, even without rows). */
export function mergeFunnels(c: ClickRow[], s: SignupRow[], keys: string[]): Map<string, Funnel> {
  const out = new Map<string, Funnel>(keys.map((k) => [k, emptyFunnel()]));
  for (const r of c)
    Object.assign(out.get(r.k) ?? out.set(r.k, emptyFunnel()).get(r.k) ?? {}, {
      clicks: r.clicks ?? 0,
      uniqueClicks: r.uniq,
    });
  for (const r of s) {
    const f = out.get(r.k) ?? out.set(r.k, emptyFunnel()).get(r.k);
    if (f) Object.assign(f, { signups: r.signups, qualified: r.qualified, rewarded: r.rewarded ?? 0 });
  }
  for (const f of out.values()) f.conversionRate = conversionRate(f.qualified, f.signups);
  return out;
}

/** Each UTC day (YYYY-MM-DD) from `start` up to `end` (ms, exclusive). */
export function daysBetween(start: number, end: number): string[] {
  const days: string[] = [];
  for (let t = start; t < end; t += DAY) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * The days a stats request covers: `to` defaults to today (UTC), `from` to 29 days before `to`.
 * Refused when `from` is after `to` or the range is over a year.
 */
export function statsRange(q: { from?: string; to?: string }, now: number): { from: string; to: string } {
  const today = new Date(now).toISOString().slice(0, 10);
  const to = q.to ?? today;
  const from = q.from ?? new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
  if (from > to) throw badRequest("`from` is after `to`", [{ path: "query.from", message: "after to" }]);
  if (Date.parse(to) - Date.parse(from) > 366 * DAY) {
    throw badRequest("At most a year per request", [{ path: "query.from", message: "range over 366 days" }]);
  }
  return { from, to };
}
