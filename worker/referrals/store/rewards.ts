import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { type RewardState, referralRewardEvents, referralRewards, webhookEvents } from "../../../db/schema/index.ts";
import { chunk, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { conflict, notFound } from "../../lib/problem.ts";
import { type ReviewAction, type Reward, TRANSITIONS } from "../reward-policy.ts";
import { rewardActivity } from "./activity.ts";

export type TransitionChange = {
  to: RewardState;
  reason: string | null;
  actor: string;
  set?: Partial<Pick<Reward, "reward" | "tier" | "flags" | "holdReason" | "clearsAt" | "reversedReason">>;
  /** Extra SQL condition (e.g. "the hold has cleared") the reward must meet. */
  when?: ReturnType<typeof sql>;
};

/**
 * One ledger transition as batchable statements: the history row, the webhook event and the
 * update, each conditioned on the reward still being in one of `from`, so a replay or a
 * concurrent second attempt changes nothing. Put them in one `db.batch()`.
 */
export function transitionStatements(
  db: Db,
  reward: Pick<Reward, "id" | "programId" | "referrerId" | "contactId" | "side" | "attributionId" | "reward">,
  from: RewardState[],
  change: TransitionChange,
  now: number,
) {
  const fromList = sql.join(
    from.map((s) => sql`${s}`),
    sql`, `,
  );
  const guard = sql`id = ${reward.id} AND state IN (${fromList})${change.when ? sql` AND ${change.when}` : sql``}`;
  const payload = JSON.stringify({
    id: reward.id,
    programId: reward.programId,
    referrerId: reward.referrerId,
    contactId: reward.contactId,
    attributionId: reward.attributionId,
    side: reward.side,
    reward: change.set?.reward ?? reward.reward,
    state: change.to,
    reason: change.reason,
    clearsAt: change.set?.clearsAt ?? null,
  });
  return [
    // INSERT … SELECT with every column in table order (drizzle's D1 batch cannot carry raw SQL).
    db.insert(referralRewardEvents).select(
      sql`SELECT ${newId("rwe", now)}, id, state, ${change.to}, ${change.reason}, ${change.actor}, ${now}
          FROM referral_rewards WHERE ${guard}`,
    ),
    db.insert(webhookEvents).select(
      sql`SELECT ${newId("msg", now)}, ${`reward.${change.to}`}, ${payload}, ${now}, NULL
          FROM referral_rewards WHERE ${guard}`,
    ),
    db
      .update(referralRewards)
      .set({ ...change.set, state: change.to, updatedAt: now })
      .where(sql`${guard}`),
  ] as const;
}

export async function getRewardOrThrow(db: Db, id: string): Promise<Reward> {
  const row = await db.query.referralRewards.findFirst({ where: eq(referralRewards.id, id) });
  if (!row) throw notFound("No such reward");
  return row;
}

/** An admin decision (approve, reverse, mark paid): one batch, refused when the state does not allow it. */
export async function reviewReward(
  db: Db,
  id: string,
  action: ReviewAction,
  reason: string | null,
  actor: string,
  now = Date.now(),
): Promise<Reward> {
  const reward = await getRewardOrThrow(db, id);
  const { from, to } = TRANSITIONS[action];
  if (!from.includes(reward.state)) {
    throw conflict(`A ${reward.state} reward cannot be ${to}`, { state: reward.state });
  }
  const set = action === "reverse" ? { reversedReason: reason } : action === "approve" ? { clearsAt: null } : {};
  const [, , update] = await db.batch([
    ...transitionStatements(db, reward, from, { to, reason, actor, set }, now),
    ...rewardActivity(db, [reward], to, now),
  ]);
  if (!update.meta.changes) throw conflict("The reward changed meanwhile; reload it");
  return getRewardOrThrow(db, id);
}

/** Cron: held rewards whose hold has passed and that no fraud rule flagged. */
export async function dueHoldClearances(db: Db, now: number, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: referralRewards.id })
    .from(referralRewards)
    .where(and(eq(referralRewards.state, "held"), lte(referralRewards.clearsAt, now), eq(referralRewards.flags, [])))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Queue consumer: approves each reward whose hold has cleared. Idempotent by the state guard. */
export async function clearHolds(db: Db, ids: string[], now = Date.now()): Promise<number> {
  let cleared = 0;
  // One read and one batch per chunk (D1 binds at most 100 parameters per statement).
  for (const part of chunk(ids, 90)) {
    const rewards = await db.query.referralRewards.findMany({ where: inArray(referralRewards.id, part) });
    if (!rewards.length) continue;
    const when = sql`clears_at <= ${now} AND flags = '[]'`;
    const statements = rewards.flatMap((reward) =>
      transitionStatements(
        db,
        reward,
        ["held"],
        { to: "approved", reason: "hold_cleared", actor: "system", set: { clearsAt: null }, when },
        now,
      ),
    );
    const results = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
    // Each reward's three statements end with its guarded update.
    for (let i = 2; i < results.length; i += 3) cleared += (results[i] as D1Result).meta.changes;
  }
  return cleared;
}

async function rewardHistory(db: Db, rewardId: string) {
  return db
    .select()
    .from(referralRewardEvents)
    .where(eq(referralRewardEvents.rewardId, rewardId))
    .orderBy(referralRewardEvents.at, sql`rowid`);
}

/** A reward and its history, oldest transition first. */
export async function getRewardWithHistory(db: Db, id: string) {
  const reward = await getRewardOrThrow(db, id);
  return { ...reward, history: await rewardHistory(db, id) };
}
