import { and, desc, eq, lt, sql } from "drizzle-orm";
import {
  contacts,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewards,
} from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { referrerColumns } from "./links.ts";
import { nextTier } from "./rewards.ts";

const counts = {
  clicks: sql<number>`(SELECT count(*) FROM referral_clicks k WHERE k.referrer_id = ${referralReferrers.id} AND k.duplicate = 0)`,
  signups: sql<number>`(SELECT count(*) FROM referral_attributions a WHERE a.referrer_id = ${referralReferrers.id})`,
  qualified: sql<number>`(SELECT count(*) FROM referral_attributions a WHERE a.referrer_id = ${referralReferrers.id} AND a.qualified_at IS NOT NULL)`,
};

/** Referrers of a program with their funnel counts: newest first (paged) or top by qualified referrals. */
export async function listReferrers(
  db: Db,
  programId: string,
  q: { limit: number; cursor?: string; sort: "recent" | "top" },
) {
  const base = db
    .select({ ...referrerColumns, ...counts })
    .from(referralReferrers)
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .innerJoin(referralLinks, eq(referralLinks.referrerId, referralReferrers.id));
  if (q.sort === "top") {
    return base
      .where(eq(referralReferrers.programId, programId))
      .orderBy(desc(counts.qualified), desc(counts.signups), desc(referralReferrers.id))
      .limit(q.limit);
  }
  return base
    .where(and(eq(referralReferrers.programId, programId), q.cursor ? lt(referralReferrers.id, q.cursor) : undefined))
    .orderBy(desc(referralReferrers.id))
    .limit(q.limit + 1);
}

/** What the referrer's own page shows, or null when the code is not theirs. */
export async function referrerDashboard(db: Db, code: string, contactId: string) {
  const [r] = await db
    .select({
      id: referralReferrers.id,
      contactId: referralReferrers.contactId,
      name: contacts.name,
      program: referralPrograms,
      ...counts,
    })
    .from(referralLinks)
    .innerJoin(referralReferrers, eq(referralReferrers.id, referralLinks.referrerId))
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .innerJoin(referralPrograms, eq(referralPrograms.id, referralReferrers.programId))
    .where(eq(referralLinks.code, code));
  if (!r || r.contactId !== contactId) return null;
  const rewards = await db
    .select()
    .from(referralRewards)
    .where(and(eq(referralRewards.referrerId, r.id), eq(referralRewards.side, "referrer")))
    .orderBy(desc(referralRewards.id))
    .limit(200);
  return {
    name: r.name,
    programName: r.program.name,
    qualifyingEvent: r.program.qualifyingEvent,
    clicks: r.clicks,
    signups: r.signups,
    qualified: r.qualified,
    next: nextTier(r.program.rewardPolicy, r.qualified),
    rewards,
  };
}
export type ReferrerDashboard = NonNullable<Awaited<ReturnType<typeof referrerDashboard>>>;
