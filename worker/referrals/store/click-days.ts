// Clicks past the clicks window: each UTC day is sealed into rollups (per link, per program, per
// program and UTM source) before its raw clicks are archived and pruned. Readers take rollups before
// the boundary and raw clicks from it, so every figure is the same before and after pruning.
import { type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { type Db, execBatch } from "../../lib/db.ts";
import { type ArchivedRow, DAY, dayOf, type RetentionTask } from "../../lib/retention.ts";
import { boundaryUpsert, deleteRows, oldestRows, retentionBoundary } from "../../lib/store/retention.ts";

const NAME = "referral_clicks";
const HOUR = 3_600_000;
/** Days sealed per run step: a backlog catches up a week at a time. */
const SEAL_DAYS_PER_STEP = 7;
// The hour of a click, as the index `referral_clicks_hour_visitor_idx` has it.
const HOUR_OF = sql.raw(`at / ${HOUR}`);

/** Raw clicks before this time are sealed into the day rollups (0: none are). */
export const clicksBoundary = (db: Db) => retentionBoundary(db, NAME);

/** The same boundary inside a query. */
export const BOUNDARY_SQL = sql`coalesce((SELECT boundary FROM retention_state WHERE name = ${NAME}), 0)`;

/** The rollups of day `day` from its raw clicks, and the boundary moved past it, for one batch. */
function sealStatements(day: number): SQL[] {
  const inDay = sql`${HOUR_OF} >= ${day * 24} AND ${HOUR_OF} < ${(day + 1) * 24}
    AND ${day * DAY} >= ${BOUNDARY_SQL}`;
  // Unique visitors among the counted clicks, as the live stats count them (unique ≤ clicks).
  const counts = sql`sum(duplicate = 0), count(DISTINCT CASE WHEN duplicate = 0 THEN visitor_hash END)`;
  const keep = sql`DO UPDATE SET clicks = excluded.clicks, visitors = excluded.visitors`;
  return [
    sql`INSERT INTO referral_link_days (link_id, day, program_id, referrer_id, clicks, visitors)
      SELECT link_id, ${day}, max(program_id), max(referrer_id), ${counts} FROM referral_clicks
      WHERE ${inDay} GROUP BY link_id ON CONFLICT (link_id, day) ${keep}`,
    sql`INSERT INTO referral_program_days (program_id, day, clicks, visitors)
      SELECT program_id, ${day}, ${counts} FROM referral_clicks
      WHERE ${inDay} GROUP BY program_id ON CONFLICT (program_id, day) ${keep}`,
    sql`INSERT INTO referral_source_days (program_id, day, source, clicks, visitors)
      SELECT program_id, ${day}, coalesce(utm_source, '(direct)'), ${counts} FROM referral_clicks
      WHERE ${inDay} GROUP BY program_id, coalesce(utm_source, '(direct)') ON CONFLICT (program_id, day, source) ${keep}`,
    boundaryUpsert(NAME, (day + 1) * DAY),
  ];
}

/** Seals the days before the cutoff's day that have clicks, oldest first, a week per call. */
async function sealDays(db: Db, cutoff: number): Promise<void> {
  const until = dayOf(cutoff);
  let boundary = await clicksBoundary(db);
  for (let i = 0; i < SEAL_DAYS_PER_STEP; i++) {
    const [first] = await db.all<{ h: number }>(sql`SELECT ${HOUR_OF} AS h FROM referral_clicks
      WHERE ${HOUR_OF} >= ${Math.floor(boundary / HOUR)} ORDER BY ${HOUR_OF} LIMIT 1`);
    const day = first ? Math.floor(first.h / 24) : until;
    if (day >= until) {
      if (boundary < until * DAY) await execBatch(db, [boundaryUpsert(NAME, until * DAY)]);
      return;
    }
    await execBatch(db, sealStatements(day));
    boundary = (day + 1) * DAY;
  }
}

/** Raw clicks of sealed days past the clicks window, archived by the day they were made. */
export const clicksRetention: RetentionTask = {
  name: NAME,
  window: "clicks",
  dayOf: (row: ArchivedRow) => dayOf(Number(row.at)),
  prepare: sealDays,
  // A click stays as long as some program may still attribute a conversion to it.
  async floorDays(db) {
    const [row] = await db.all<{ days: number | null }>(sql`SELECT max(window_days) AS days FROM referral_programs`);
    return Number(row?.days ?? 0);
  },
  async next(db, cutoff, limit) {
    const before = Math.min(await clicksBoundary(db), dayOf(cutoff) * DAY);
    return oldestRows(db, NAME, sql`${HOUR_OF} < ${Math.floor(before / HOUR)}`, `at / ${HOUR}`, limit);
  },
  prune: (db, rows) => deleteRows(db, NAME, rows),
};

/** Sealed clicks of a program in the UTC days [from, to), keyed by day (YYYY-MM-DD), source and `all`. */
export async function sealedProgramClicks(db: Db, programId: string, from: number, to: number) {
  const range = sql`program_id = ${programId} AND day >= ${from} AND day < ${to}`;
  const [dayRows, sourceRows] = await execBatch(db, [
    sql`SELECT day, clicks, visitors AS uniq FROM referral_program_days WHERE ${range}`,
    sql`SELECT source AS k, sum(clicks) AS clicks, sum(visitors) AS uniq FROM referral_source_days
      WHERE ${range} GROUP BY source`,
  ]);
  const byDay = dayRows.results as Array<{ day: number; clicks: number; uniq: number }>;
  const bySource = sourceRows.results as Array<{ k: string; clicks: number; uniq: number }>;
  const days = byDay.map((r) => ({
    k: new Date(r.day * DAY).toISOString().slice(0, 10),
    clicks: r.clicks,
    uniq: r.uniq,
  }));
  const all = { k: "all", clicks: 0, uniq: 0 };
  for (const r of days) {
    all.clicks += r.clicks;
    all.uniq += r.uniq;
  }
  return { byDay: days, bySource, all: days.length ? [all] : [] };
}

/** A referrer's counted clicks (duplicates left out): sealed days plus the raw clicks after them. */
export const referrerClicksSql = (referrerId: AnySQLiteColumn) =>
  sql<number>`((SELECT count(*) FROM referral_clicks k WHERE k.referrer_id = ${referrerId} AND k.duplicate = 0
    AND k.at >= ${BOUNDARY_SQL}) + (SELECT coalesce(sum(d.clicks), 0) FROM referral_link_days d
    WHERE d.referrer_id = ${referrerId}))`;
