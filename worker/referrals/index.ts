// What other capabilities, the platform and the seed may use of referrals. Nothing else is imported from outside.
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { eraseReferralsStatements, exportReferralsData } from "./store/gdpr.ts";
import { conversionInRange } from "./store/stats.ts";

/** The symbols generated codes are made of (no 0/O/1/I). */
export { CODE_ALPHABET } from "./codes.ts";
/** Email domains the fraud rules flag as disposable. */
export { DISPOSABLE_DOMAINS } from "./fraud.ts";

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

/** Referrals' part of GDPR export and erase (the platform gathers every capability's part). */
export const referralsGdpr = { exportFor: exportReferralsData, eraseStatements: eraseReferralsStatements };
