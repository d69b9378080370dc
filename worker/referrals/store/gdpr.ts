// GDPR, referrals' part: what a contact did as a referrer and as a referred customer, and its erase.
// Rewards and conversions stay for accounting (amounts, dates, program) under the opaque contact.
import { and, asc, eq, sql } from "drizzle-orm";
import {
  referralAttributions,
  referralClicks,
  referralConversions,
  referralLinkDays,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewardEvents,
  referralRewards,
} from "../../../db/schema/index.ts";
import { type Db, inJson } from "../../lib/db.ts";
import type { EraseContext, Erasure } from "../../lib/gdpr.ts";

const referrerIdsOf = async (db: Db, contactId: string) =>
  (
    await db
      .select({ id: referralReferrers.id })
      .from(referralReferrers)
      .where(eq(referralReferrers.contactId, contactId))
  ).map((r) => r.id);

/**
 * Referrals' section of a contact's export: enrolments, links, the clicks their links drew (per UTC
 * day), the customers they referred and those customers' conversions (without who they are), how
 * they were referred themselves, and the rewards and payouts they received.
 */
export async function exportReferralsData(db: Db, contactId: string) {
  const mine = await referrerIdsOf(db, contactId);
  const asReferrer = mine.length ? mine : ["-"];
  const [enrolments, links, rawClicks, sealedClicks, referred, referredBy, conversions, rewards] = await db.batch([
    db
      .select({
        id: referralReferrers.id,
        programId: referralReferrers.programId,
        program: referralPrograms.name,
        createdAt: referralReferrers.createdAt,
      })
      .from(referralReferrers)
      .innerJoin(referralPrograms, eq(referralPrograms.id, referralReferrers.programId))
      .where(eq(referralReferrers.contactId, contactId)),
    db.select().from(referralLinks).where(inJson(referralLinks.referrerId, asReferrer)),
    db
      .select({
        linkId: referralClicks.linkId,
        day: sql<number>`${referralClicks.at} / 86400000`.as("day"),
        clicks: sql<number>`count(*)`,
      })
      .from(referralClicks)
      .where(and(inJson(referralClicks.referrerId, asReferrer), eq(referralClicks.duplicate, false)))
      .groupBy(referralClicks.linkId, sql`day`),
    db
      .select({ linkId: referralLinkDays.linkId, day: referralLinkDays.day, clicks: referralLinkDays.clicks })
      .from(referralLinkDays)
      .where(inJson(referralLinkDays.referrerId, asReferrer)),
    db
      .select({
        id: referralAttributions.id,
        programId: referralAttributions.programId,
        referrerId: referralAttributions.referrerId,
        signedUpAt: referralAttributions.signedUpAt,
        qualifiedAt: referralAttributions.qualifiedAt,
      })
      .from(referralAttributions)
      .where(inJson(referralAttributions.referrerId, asReferrer)),
    db.select().from(referralAttributions).where(eq(referralAttributions.customerId, contactId)),
    db
      .select({
        id: referralConversions.id,
        programId: referralConversions.programId,
        attributionId: referralConversions.attributionId,
        event: referralConversions.event,
        amount: referralConversions.amount,
        currency: referralConversions.currency,
        occurredAt: referralConversions.occurredAt,
        asReferee: sql<boolean>`${referralConversions.customerId} = ${contactId}`.mapWith(Boolean),
      })
      .from(referralConversions)
      .leftJoin(referralAttributions, eq(referralAttributions.id, referralConversions.attributionId))
      .where(
        sql`${referralConversions.customerId} = ${contactId} or ${inJson(referralAttributions.referrerId, asReferrer)}`,
      )
      .orderBy(asc(referralConversions.occurredAt)),
    db
      .select()
      .from(referralRewards)
      .where(eq(referralRewards.contactId, contactId))
      .orderBy(asc(referralRewards.createdAt)),
  ]);
  return {
    enrolments,
    links,
    clicksByDay: clicksByDay(rawClicks, sealedClicks),
    referredCustomers: referred,
    referredBy,
    conversions: conversions.map(({ asReferee, ...c }) => ({ ...c, as: asReferee ? "referee" : "referrer" })),
    rewards,
    payouts: await payoutsOf(db, rewards),
  };
}

type DayClicks = { linkId: string; day: number; clicks: number };

/** Raw clicks of the days not sealed yet, then the sealed days (a day is in one or the other). */
function clicksByDay(raw: DayClicks[], sealed: DayClicks[]) {
  const known = new Set(sealed.map((d) => `${d.linkId}:${d.day}`));
  return [...sealed, ...raw.filter((d) => !known.has(`${d.linkId}:${d.day}`))]
    .map((d) => ({ linkId: d.linkId, day: new Date(d.day * 86_400_000).toISOString().slice(0, 10), clicks: d.clicks }))
    .sort((a, b) => a.day.localeCompare(b.day));
}

/** When each of `rewards` was paid out. */
async function payoutsOf(db: Db, rewards: Array<{ id: string }>) {
  if (!rewards.length) return [];
  return db
    .select()
    .from(referralRewardEvents)
    .where(
      and(
        inJson(
          referralRewardEvents.rewardId,
          rewards.map((r) => r.id),
        ),
        eq(referralRewardEvents.toState, "paid"),
      ),
    );
}

/**
 * Referrals' part of an erase: enrolments, conversions, attributions and rewards move to the opaque
 * contact (amounts, dates, states and programs stay for accounting), the person's links are
 * deactivated and lose their name, and the visitor hash of how they arrived goes.
 */
export async function eraseReferralsStatements(db: Db, contactId: string, ctx: EraseContext): Promise<Erasure> {
  const held = await db.get<{ n: number }>(sql`select
    (select count(*) from referral_referrers where contact_id = ${contactId})
    + (select count(*) from referral_attributions where customer_id = ${contactId})
    + (select count(*) from referral_conversions where customer_id = ${contactId})
    + (select count(*) from referral_rewards where contact_id = ${contactId}) as n`);
  const { now, opaqueId } = ctx;
  const myLinks = sql`referrer_id in (select id from referral_referrers where contact_id = ${contactId})`;
  return {
    keepsRows: (held?.n ?? 0) > 0,
    steps: [
      {
        count: "linksDeactivated",
        statement: sql`update referral_links set disabled_at = coalesce(disabled_at, ${now}), name = null, updated_at = ${now}
          where ${myLinks}`,
      },
      {
        count: "enrolments",
        statement: sql`update referral_referrers set contact_id = ${opaqueId} where contact_id = ${contactId}`,
      },
      {
        count: "attributionsAsReferee",
        statement: sql`update referral_attributions set customer_id = ${opaqueId}, visitor_hash = null
          where customer_id = ${contactId}`,
      },
      {
        count: "conversions",
        statement: sql`update referral_conversions set customer_id = ${opaqueId} where customer_id = ${contactId}`,
      },
      {
        count: "rewardsKept",
        statement: sql`update referral_rewards set contact_id = ${opaqueId}, updated_at = ${now} where contact_id = ${contactId}`,
      },
    ],
    // Archived clicks name a referrer id, which now leads only to the opaque contact.
    needles: [],
  };
}
