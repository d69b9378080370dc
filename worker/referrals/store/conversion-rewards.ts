import { and, count, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import {
  contacts,
  referralAttributions,
  referralClicks,
  referralReferrers,
  referralRewardEvents,
  referralRewards,
} from "../../../db/schema/index.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { type Attribution, qualifies } from "../attribution.ts";
import { type FraudInput, fraudFlags, REVERSING_EVENTS } from "../fraud.ts";
import { afterQualifying, monthStart, pendingRewards, type Reward, referrerTier } from "../reward-policy.ts";
import { rewardActivity } from "./activity.ts";
import type { Program } from "./programs.ts";
import { referrerContactId } from "./referrers.ts";
import { transitionStatements } from "./rewards.ts";

const DAY = 86_400_000;

export type Customer = { id: string; email: string | null };

/**
 * What a conversion does to an attributed referral's rewards, as statements for one batch: a new
 * attribution gets pending rewards; the qualifying event moves them on; a reversing event
 * (refund, chargeback, cancellation) reverses those not yet approved.
 */
export async function rewardStatements(
  db: Db,
  program: Program,
  attribution: Attribution,
  created: boolean,
  event: string,
  customer: Customer,
  occurredAt: number,
  now: number,
) {
  const { rewards: existing, stmts } = await rewardsOf(db, attribution, created, customer.id, program, now);
  let qualified = false;
  if (!attribution.qualifiedAt && qualifies(program.qualifyingEvent, event, occurredAt, attribution.signedUpAt)) {
    qualified = true;
    stmts.push(
      db
        .update(referralAttributions)
        .set({ qualifiedAt: occurredAt })
        .where(and(eq(referralAttributions.id, attribution.id), sql`qualified_at IS NULL`)),
    );
    if (attribution.referrerId) {
      stmts.push(...(await qualifyStatements(db, program, attribution, customer, existing, now)));
    }
  }
  if (REVERSING_EVENTS.has(event)) {
    for (const r of existing) {
      if (r.state !== "pending" && r.state !== "held") continue;
      const why = `${event}_within_hold`;
      const change = { to: "reversed" as const, reason: why, actor: "system", set: { reversedReason: why } };
      stmts.push(...transitionStatements(db, r, ["pending", "held"], change, now));
      r.state = "reversed";
    }
  }
  const earned = existing.filter((r) => r.state === "held" || r.state === "approved");
  if (qualified) stmts.push(...rewardActivity(db, earned, "approved", now));
  const rewards = existing.map((r) => ({ id: r.id, side: r.side, state: r.state }));
  return { stmts, rewards, qualified };
}

/** The referral's rewards: new pending ones for a new attribution (with their rows to insert), else those it has. */
async function rewardsOf(
  db: Db,
  attribution: Attribution,
  created: boolean,
  customerId: string,
  program: Program,
  now: number,
): Promise<{ rewards: Reward[]; stmts: Statement[] }> {
  const stmts: Statement[] = [];
  if (created && attribution.referrerId) {
    const referrerContact = await referrerContactId(db, attribution.referrerId);
    const rewards = pendingRewards(attribution, customerId, referrerContact, program.rewardPolicy, now);
    for (const r of rewards) {
      stmts.push(db.insert(referralRewards).values({ ...r }));
      stmts.push(
        db.insert(referralRewardEvents).values({
          id: newId("rwe", now),
          rewardId: r.id,
          fromState: null,
          toState: "pending",
          reason: "signed_up",
          actor: "system",
          at: now,
        }),
      );
    }
    return { rewards, stmts };
  }
  if (created) return { rewards: [], stmts };
  const rewards = await db.select().from(referralRewards).where(eq(referralRewards.attributionId, attribution.id));
  return { rewards, stmts };
}

/** Pending -> held / approved (or reversed when the referrer's monthly cap is spent), per side. */
async function qualifyStatements(
  db: Db,
  program: Program,
  a: Attribution,
  customer: Customer,
  rewards: Reward[],
  now: number,
) {
  const referrerId = a.referrerId as string;
  const policy = program.rewardPolicy;
  const [{ n: qualifiedBefore }] = await db
    .select({ n: count() })
    .from(referralAttributions)
    .where(and(eq(referralAttributions.referrerId, referrerId), isNotNull(referralAttributions.qualifiedAt)));
  const [{ n: thisMonth }] = await db
    .select({ n: count() })
    .from(referralRewards)
    .where(
      and(
        eq(referralRewards.referrerId, referrerId),
        eq(referralRewards.side, "referrer"),
        inArray(referralRewards.state, ["held", "approved", "paid"]),
        gte(referralRewards.updatedAt, monthStart(now)),
      ),
    );
  const flags = fraudFlags(await fraudInput(db, program, referrerId, customer, a.visitorHash, a.signedUpAt));
  const next = afterQualifying(policy, flags, now);
  const set = { flags, holdReason: next.holdReason, clearsAt: next.clearsAt };
  const change = { to: next.to, reason: next.holdReason ?? "qualified", actor: "system" };
  const stmts = [];
  for (const r of rewards) {
    if (r.state !== "pending") continue;
    if (r.side === "referrer") {
      const tier = referrerTier(policy, qualifiedBefore, thisMonth);
      if ("reversed" in tier) {
        const why = tier.reversed;
        stmts.push(
          ...transitionStatements(
            db,
            r,
            ["pending"],
            { to: "reversed", reason: why, actor: "system", set: { reversedReason: why } },
            now,
          ),
        );
        r.state = "reversed";
        continue;
      }
      stmts.push(...transitionStatements(db, r, ["pending"], { ...change, set: { ...set, ...tier } }, now));
    } else {
      stmts.push(...transitionStatements(db, r, ["pending"], { ...change, set }, now));
    }
    r.state = next.to;
  }
  return stmts;
}

/**
 * What fraud rules need to know of a referral, from a handful of indexed counts. Velocity looks at
 * the day before the referral's sign-up, so a late qualification is judged like an early one.
 */
export async function fraudInput(
  db: Db,
  program: Program,
  referrerId: string,
  customer: Customer,
  visitorHash: string | null,
  signedUpAt: number,
): Promise<FraudInput> {
  const [referrer] = await db
    .select({ contactId: contacts.id, email: contacts.email })
    .from(referralReferrers)
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .where(eq(referralReferrers.id, referrerId));
  const day = (col: typeof referralAttributions.signedUpAt) => and(gte(col, signedUpAt - DAY), lt(col, signedUpAt));
  const [byReferrer] = await db
    .select({ n: count() })
    .from(referralAttributions)
    .where(and(eq(referralAttributions.referrerId, referrerId), day(referralAttributions.signedUpAt)));
  const [byVisitor] = visitorHash
    ? await db
        .select({ n: count() })
        .from(referralAttributions)
        .where(and(eq(referralAttributions.visitorHash, visitorHash), day(referralAttributions.signedUpAt)))
    : [{ n: 0 }];
  const [own] = visitorHash
    ? await db
        .select({ n: count() })
        .from(referralClicks)
        .where(
          and(
            eq(referralClicks.visitorHash, visitorHash),
            eq(referralClicks.referrerId, referrerId),
            // A literal, so the planner can use the partial index of referrers' own clicks.
            sql`${referralClicks.byReferrer} = 1`,
          ),
        )
    : [{ n: 0 }];
  return {
    referrerEmail: referrer?.email ?? null,
    customerEmail: customer.email,
    sameContact: referrer?.contactId === customer.id,
    visitorMatchesReferrer: own.n > 0,
    referrerSignupsLastDay: byReferrer.n,
    visitorSignupsLastDay: byVisitor.n,
    velocity: program.rewardPolicy.velocity,
  };
}
