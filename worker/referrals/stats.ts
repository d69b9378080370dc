import { sql } from "drizzle-orm";
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";

const DAY = 86_400_000;

type Funnel = {
  clicks: number;
  uniqueClicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
  conversionRate: number | null;
};

const rate = (qualified: number, signups: number) => (signups ? qualified / signups : null);
const empty = (): Funnel => ({
  clicks: 0,
  uniqueClicks: 0,
  signups: 0,
  qualified: 0,
  rewarded: 0,
  conversionRate: null,
});

type ClickRow = { k: string; clicks: number; uniq: number };
type SignupRow = { k: string; signups: number; qualified: number; rewarded: number };

/**
 * The funnel of a program between two UTC days (inclusive), by day and by UTM source.
 * Clicks exclude flagged duplicates; sign-ups are a cohort: of the referred customers who
 * signed up that day, how many qualified and were rewarded (so far).
 */
export async function programStats(db: Db, programId: string, from: string, to: string) {
  const start = Date.parse(from);
  const end = Date.parse(to) + DAY;
  const day = (col: string) => sql.raw(`strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`);
  const clicks = (key: ReturnType<typeof sql.raw>) =>
    db.all<ClickRow>(sql`SELECT ${key} AS k, sum(duplicate = 0) AS clicks, count(DISTINCT visitor_hash) AS uniq
      FROM referral_clicks WHERE program_id = ${programId} AND at >= ${start} AND at < ${end} GROUP BY k`);
  const signups = (key: ReturnType<typeof sql.raw>) =>
    db.all<SignupRow>(sql`SELECT ${key} AS k, count(*) AS signups, count(a.qualified_at) AS qualified,
        sum(EXISTS (SELECT 1 FROM referral_rewards w WHERE w.attribution_id = a.id AND w.side = 'referrer'
          AND w.state IN ('approved', 'paid'))) AS rewarded
      FROM referral_attributions a WHERE a.program_id = ${programId} AND a.signed_up_at >= ${start}
        AND a.signed_up_at < ${end} GROUP BY k`);
  const source = sql.raw("coalesce(utm_source, '(direct)')");
  const [cDay, sDay, cSrc, sSrc, [cAll], [sAll]] = await Promise.all([
    clicks(day("at")),
    signups(day("a.signed_up_at")),
    clicks(source),
    signups(sql.raw("coalesce(a.utm_source, '(direct)')")),
    clicks(sql.raw("'all'")),
    signups(sql.raw("'all'")),
  ]);
  const merge = (c: ClickRow[], s: SignupRow[], keys: string[]) => {
    const out = new Map<string, Funnel>(keys.map((k) => [k, empty()]));
    for (const r of c)
      Object.assign(out.get(r.k) ?? out.set(r.k, empty()).get(r.k) ?? {}, {
        clicks: r.clicks ?? 0,
        uniqueClicks: r.uniq,
      });
    for (const r of s) {
      const f = out.get(r.k) ?? out.set(r.k, empty()).get(r.k);
      if (f) Object.assign(f, { signups: r.signups, qualified: r.qualified, rewarded: r.rewarded ?? 0 });
    }
    for (const f of out.values()) f.conversionRate = rate(f.qualified, f.signups);
    return out;
  };
  const days: string[] = [];
  for (let t = start; t < end; t += DAY) days.push(new Date(t).toISOString().slice(0, 10));
  const totals = merge(cAll ? [cAll] : [], sAll ? [sAll] : [], ["all"]).get("all") ?? empty();
  return {
    programId,
    from,
    to,
    totals,
    byDay: [...merge(cDay, sDay, days)].map(([d, f]) => ({ day: d, ...f })).sort((a, b) => a.day.localeCompare(b.day)),
    bySource: [...merge(cSrc, sSrc, [])]
      .map(([s, f]) => ({ source: s, ...f }))
      .sort((a, b) => b.signups - a.signups || b.clicks - a.clicks),
  };
}

/** Across all programs: referred sign-ups in `range` and how many of them qualified. */
export async function conversionInRange(db: Db, range: Range) {
  const [row] = await db.all<{ signups: number; qualified: number }>(sql`SELECT count(*) AS signups,
      count(qualified_at) AS qualified FROM referral_attributions
      WHERE referrer_id IS NOT NULL AND signed_up_at >= ${range.from} AND signed_up_at < ${range.to}`);
  const signups = row?.signups ?? 0;
  const qualified = row?.qualified ?? 0;
  return { referredSignups: signups, qualified, rate: rate(qualified, signups) };
}
