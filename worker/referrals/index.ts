// What other capabilities and the platform may use of referrals. Nothing else is imported from outside.
import { conversionInRange } from "./stats.ts";

/** Queue message kinds this capability handles (prefix `referrals.`), and its cron tasks. */
export { referralsCron, referralsJobs } from "./jobs.ts";
export { referralsRoutes } from "./routes.ts";

import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";

/**
 * Referral conversion for the KPI console: referred customers who reached their program's
 * qualifying event / referred sign-ups, for conversions that happened in `range`.
 * (Contract for the kpis capability; implemented by referrals.)
 */
export async function referralConversion(
  db: Db,
  range: Range,
): Promise<{ referredSignups: number; qualified: number; rate: number | null }> {
  return conversionInRange(db, range);
}
