// What other capabilities and the platform may use of referrals. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { referralsRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `referrals.`). */
export const referralsJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const referralsCron: CronTask[] = [];

import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";

/**
 * Referral conversion for the KPI console: referred customers who reached their program's
 * qualifying event / referred sign-ups, for conversions that happened in `range`.
 * (Contract for the kpis capability; implemented by referrals.)
 */
export async function referralConversion(
  _db: Db,
  _range: Range,
): Promise<{ referredSignups: number; qualified: number; rate: number | null }> {
  return { referredSignups: 0, qualified: 0, rate: null };
}
