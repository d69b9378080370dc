/** What a program's reward policy decides: tiers, caps, holds, and which ledger transitions are allowed. */
import type { RewardPolicy, RewardSpec, RewardState, referralRewards } from "../../db/schema/index.ts";
import { newId } from "../lib/ids.ts";
import type { Attribution } from "./attribution.ts";

export type Reward = typeof referralRewards.$inferSelect;
export type ReviewAction = "approve" | "reverse" | "pay";

const DAY = 86_400_000;

/** Which transitions the ledger allows. Paid and reversed are final. */
export const TRANSITIONS: Record<ReviewAction, { from: RewardState[]; to: RewardState }> = {
  approve: { from: ["held"], to: "approved" },
  reverse: { from: ["pending", "held", "approved"], to: "reversed" },
  pay: { from: ["approved"], to: "paid" },
};

/** The reason an admin's decision records: their reason and note, or the action itself. */
export function reviewReason(action: ReviewAction, body: { reason?: string; note?: string }): string {
  return [body.reason, body.note].filter(Boolean).join(": ") || `admin_${action}`;
}

/** The referrer tier reached with `qualified` referrals (1-based), or null below the first tier. */
export function tierFor(policy: RewardPolicy, qualified: number): { tier: number; reward: RewardSpec } | null {
  let found: { tier: number; reward: RewardSpec } | null = null;
  policy.referrer.tiers.forEach((t, i) => {
    if (qualified >= t.minQualified) found = { tier: i + 1, reward: t.reward };
  });
  return found;
}

/** The next tier after `qualified` referrals and how many more it needs, or null at the top. */
export function nextTier(policy: RewardPolicy, qualified: number) {
  const i = policy.referrer.tiers.findIndex((t) => t.minQualified > qualified);
  if (i < 0) return null;
  const t = policy.referrer.tiers[i];
  return { tier: i + 1, label: t.label ?? null, reward: t.reward, remaining: t.minQualified - qualified };
}

/**
 * The referrer's reward for a referral that qualifies after `qualifiedBefore` others, when
 * `rewardedThisMonth` of theirs were already granted this month: the tier reached, or why none is.
 */
export function referrerTier(
  policy: RewardPolicy,
  qualifiedBefore: number,
  rewardedThisMonth: number,
): { tier: number; reward: RewardSpec } | { reversed: "monthly_cap" | "below_first_tier" } {
  const tier = tierFor(policy, qualifiedBefore + 1);
  const capped = policy.monthlyCap !== null && rewardedThisMonth >= policy.monthlyCap;
  if (!tier || capped) return { reversed: tier ? "monthly_cap" : "below_first_tier" };
  return tier;
}

/** The start of `now`'s calendar month (UTC), where the monthly cap counts from. */
export function monthStart(now: number): number {
  const month = new Date(now);
  return Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
}

/** The state a qualified reward moves to: held for review, held for the hold period, or approved. */
export function afterQualifying(policy: RewardPolicy, flags: string[], now: number) {
  if (flags.length) {
    return { to: "held" as const, holdReason: `review: ${flags.join(", ")}`, clearsAt: null };
  }
  if (policy.holdDays > 0) {
    return { to: "held" as const, holdReason: "hold_period", clearsAt: now + policy.holdDays * DAY };
  }
  return { to: "approved" as const, holdReason: null, clearsAt: null };
}

/**
 * New rewards wait as `pending` until the referral qualifies. The referrer's shows the first
 * tier's reward; the tier reached is fixed when it qualifies.
 */
export function pendingRewards(
  a: Attribution,
  customerId: string,
  referrerContactId: string,
  policy: RewardPolicy,
  now: number,
): Reward[] {
  const base = {
    programId: a.programId,
    attributionId: a.id,
    referrerId: a.referrerId as string,
    tier: null,
    state: "pending" as const,
    flags: [],
    holdReason: null,
    clearsAt: null,
    reversedReason: null,
    createdAt: now,
    updatedAt: now,
  };
  const rows: Reward[] = [
    {
      ...base,
      id: newId("rwd", now),
      contactId: referrerContactId,
      side: "referrer",
      reward: policy.referrer.tiers[0].reward,
    },
  ];
  if (policy.referee) {
    rows.push({ ...base, id: newId("rwd", now), contactId: customerId, side: "referee", reward: policy.referee });
  }
  return rows;
}
