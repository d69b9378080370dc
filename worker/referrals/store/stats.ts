import { sql } from "drizzle-orm";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import {
  addClickRows,
  type ClickRow,
  conversionRate,
  daysBetween,
  emptyFunnel,
  mergeFunnels,
  type SignupRow,
} from "../funnel.ts";
import { clicksBoundary, sealedProgramClicks } from "./click-days.ts";

const DAY = 86_400_000;

/**
 * The funnel of a program between two UTC days (inclusive), by day and by UTM source.
 * Clicks exclude flagged duplicates, and unique visitors are counted among those same clicks (so
 * unique ≤ clicks for every key); sign-ups are a cohort: of the referred customers who
 * signed up that day, how many qualified and were rewarded (so far).
 */
export async function programStats(db: Db, programId: string, from: string, to: string) {
  const start = Date.parse(from);
  const end = Date.parse(to) + DAY;
  // Days before the boundary come from the day rollups; raw clicks from it on (see click-days.ts).
  const boundary = Math.min(Math.max(start, await clicksBoundary(db)), end);
  const sealed = await sealedProgramClicks(db, programId, start / DAY, boundary / DAY);
  const day = (col: string) => sql.raw(`strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`);
  const clicks = async (key: ReturnType<typeof sql.raw>) =>
    db.all<ClickRow>(sql`SELECT ${key} AS k, sum(duplicate = 0) AS clicks,
        count(DISTINCT CASE WHEN duplicate = 0 THEN visitor_hash END) AS uniq
      FROM referral_clicks WHERE program_id = ${programId} AND at >= ${boundary} AND at < ${end} GROUP BY k`);
  const signups = (key: ReturnType<typeof sql.raw>) =>
    db.all<SignupRow>(sql`SELECT ${key} AS k, count(*) AS signups, count(a.qualified_at) AS qualified,
        sum(EXISTS (SELECT 1 FROM referral_rewards w WHERE w.attribution_id = a.id AND w.side = 'referrer'
          AND w.state IN ('approved', 'paid'))) AS rewarded
      FROM referral_attributions a WHERE a.program_id = ${programId} AND a.signed_up_at >= ${start}
        AND a.signed_up_at < ${end} GROUP BY k`);
  const source = sql.raw("coalesce(utm_source, '(direct)')");
  const [cDay, sDay, cSrc, sSrc, cAllRaw, [sAll]] = await Promise.all([
    clicks(day("at")).then((raw) => addClickRows(sealed.byDay, raw)),
    signups(day("a.signed_up_at")),
    clicks(source).then((raw) => addClickRows(sealed.bySource, raw)),
    signups(sql.raw("coalesce(a.utm_source, '(direct)')")),
    clicks(sql.raw("'all'")),
    signups(sql.raw("'all'")),
  ]);
  const [cAll] = addClickRows(sealed.all, cAllRaw);
  const totals = mergeFunnels(cAll ? [cAll] : [], sAll ? [sAll] : [], ["all"]).get("all") ?? emptyFunnel();
  return {
    programId,
    from,
    to,
    totals,
    byDay: [...mergeFunnels(cDay, sDay, daysBetween(start, end))]
      .map(([d, f]) => ({ day: d, ...f }))
      .sort((a, b) => a.day.localeCompare(b.day)),
    bySource: [...mergeFunnels(cSrc, sSrc, [])]
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
  return { referredSignups: signups, qualified, rate: conversionRate(qualified, signups) };
}
