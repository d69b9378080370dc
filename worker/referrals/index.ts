// What other capabilities, the platform and the seed may use of referrals. Nothing else is imported from outside.
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { linkUrl } from "./link-view.ts";
import { findProgram } from "./store/programs.ts";
import { enrollContact, referredSince } from "./store/referrers.ts";
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

/**
 * Enrolls a known contact in an active program (404 no such program, 409 archived) and returns
 * their referrer id, code and link URL; `created` is false when they already were a referrer
 * (same referrer, same code: enrolment is idempotent).
 */
export async function enrollContactAsReferrer(
  db: Db,
  publicUrl: string,
  programId: string,
  contactId: string,
  now: number,
): Promise<{ referrerId: string; code: string; url: string; created: boolean }> {
  const r = await enrollContact(db, programId, contactId, now);
  return { referrerId: r.id, code: r.code, url: linkUrl(publicUrl, r.code), created: r.created };
}

/** The program's name and state, or null when there is no such program. */
export async function referralProgram(db: Db, id: string): Promise<{ id: string; name: string; state: string } | null> {
  const p = await findProgram(db, id);
  return p ? { id: p.id, name: p.name, state: p.state } : null;
}

/** Of `referrers`, the ids of those who referred a customer (an attributed sign-up) at or after their `since` (ms). */
export async function referrersWhoReferred(
  db: Db,
  referrers: Array<{ referrerId: string; since: number }>,
): Promise<Set<string>> {
  return referredSince(db, referrers);
}
