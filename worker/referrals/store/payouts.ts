// The reward ledger as people see it: rewards with who gets them, the review queue's evidence, payouts.
import { and, desc, eq, inArray, lt, ne, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import {
  contacts,
  type RewardState,
  referralAttributions,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewards,
} from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { fraudEvidence } from "../fraud.ts";
import { TRANSITIONS } from "../reward-policy.ts";
import { rewardActivity } from "./activity.ts";
import { fraudInput } from "./conversion-rewards.ts";
import { transitionStatements } from "./rewards.ts";

const referrerContact = alias(contacts, "referrer_contact");
const refereeContact = alias(contacts, "referee_contact");

/** Rewards (newest first, keyset by id) with the referrer, the referee and the recipient. */
async function rewardsWithPeople(db: Db, q: { limit: number; cursor?: string }, ...filters: Array<SQL | undefined>) {
  const rows = await db
    .select({
      reward: referralRewards,
      referrer: {
        externalId: referrerContact.externalId,
        email: referrerContact.email,
        name: referrerContact.name,
        code: referralLinks.code,
      },
      referee: { externalId: refereeContact.externalId, email: refereeContact.email, name: refereeContact.name },
      attribution: {
        customerId: referralAttributions.customerId,
        visitorHash: referralAttributions.visitorHash,
        signedUpAt: referralAttributions.signedUpAt,
      },
    })
    .from(referralRewards)
    .innerJoin(referralAttributions, eq(referralAttributions.id, referralRewards.attributionId))
    .innerJoin(refereeContact, eq(refereeContact.id, referralAttributions.customerId))
    .innerJoin(referralReferrers, eq(referralReferrers.id, referralRewards.referrerId))
    .innerJoin(referrerContact, eq(referrerContact.id, referralReferrers.contactId))
    .leftJoin(referralLinks, eq(referralLinks.referrerId, referralReferrers.id))
    .where(and(q.cursor ? lt(referralRewards.id, q.cursor) : undefined, ...filters))
    .orderBy(desc(referralRewards.id))
    .limit(q.limit + 1);
  return rows.map(({ reward, referrer, referee, attribution }) => {
    const { code: _code, ...referrerPerson } = referrer;
    return {
      ...reward,
      referrer,
      referee,
      recipient: reward.side === "referrer" ? referrerPerson : referee,
      attribution,
    };
  });
}

/** The ledger, filtered, newest first, with the people of each reward. */
export async function listRewards(
  db: Db,
  q: {
    limit: number;
    cursor?: string;
    programId?: string;
    state?: RewardState;
    referrerId?: string;
    flagged?: boolean;
  },
) {
  const rows = await rewardsWithPeople(
    db,
    q,
    q.programId ? eq(referralRewards.programId, q.programId) : undefined,
    q.state ? eq(referralRewards.state, q.state) : undefined,
    q.referrerId ? eq(referralRewards.referrerId, q.referrerId) : undefined,
    q.flagged === undefined ? undefined : q.flagged ? ne(referralRewards.flags, []) : eq(referralRewards.flags, []),
  );
  return rows.map(({ attribution: _a, ...r }) => r);
}

/**
 * The review queue: held rewards a fraud rule flagged, newest first, each with what its rules
 * saw (measured again from the referral's rows, as the rules measured it).
 */
export async function reviewQueue(db: Db, q: { limit: number; cursor?: string; programId?: string }) {
  const rows = await rewardsWithPeople(
    db,
    q,
    eq(referralRewards.state, "held"),
    ne(referralRewards.flags, []),
    q.programId ? eq(referralRewards.programId, q.programId) : undefined,
  );
  const programIds = [...new Set(rows.map((r) => r.programId))];
  const programs = programIds.length
    ? await db
        .select()
        .from(referralPrograms)
        .where(inArray(referralPrograms.id, programIds.slice(0, 100))) // a page holds ≤ 100 rewards
    : [];
  const byId = new Map(programs.map((p) => [p.id, p]));
  return Promise.all(
    rows.map(async ({ attribution, ...r }) => {
      const program = byId.get(r.programId);
      const input = program
        ? await fraudInput(
            db,
            program,
            r.referrerId,
            { id: attribution.customerId, email: r.referee.email },
            attribution.visitorHash,
            attribution.signedUpAt,
          )
        : null;
      return {
        ...r,
        signedUpAt: attribution.signedUpAt,
        evidence: input ? fraudEvidence(r.flags, input, attribution.signedUpAt) : [],
      };
    }),
  );
}

/**
 * Marks approved rewards paid, in one batch (each transition guarded by the state, so a second
 * request or a concurrent reversal changes nothing twice). Other ids are answered with why not.
 */
export async function payRewards(db: Db, ids: string[], reason: string, actor: string, now = Date.now()) {
  const unique = [...new Set(ids)];
  // The schema allows 100 ids, D1's bound-parameter limit.
  const rows = await db
    .select()
    .from(referralRewards)
    .where(inArray(referralRewards.id, unique.slice(0, 100)));
  const found = new Map(rows.map((r) => [r.id, r]));
  const { from, to } = TRANSITIONS.pay;
  const payable = rows.filter((r) => from.includes(r.state));
  const statements = payable.flatMap((r) => transitionStatements(db, r, from, { to, reason, actor }, now));
  const changed = new Set<string>();
  if (statements.length) {
    // The paid rewards' activity after every transition: results keep three per reward from the start.
    const all = [...statements, ...rewardActivity(db, payable, to, now)];
    const results = await db.batch(all as unknown as Parameters<typeof db.batch>[0]);
    payable.forEach((r, i) => {
      if ((results[i * 3 + 2] as D1Result).meta.changes) changed.add(r.id);
    });
  }
  const results = unique.map((id) => {
    const r = found.get(id);
    if (!r) return { id, paid: false, state: null, detail: "No such reward" };
    if (changed.has(id)) return { id, paid: true, state: to, detail: null };
    const detail = from.includes(r.state)
      ? "The reward changed meanwhile; reload it"
      : `A ${r.state} reward cannot be paid`;
    return { id, paid: false, state: r.state, detail };
  });
  return { paid: changed.size, results };
}

/** Every reward in `state` (approved: to pay; paid: what was paid), newest first, for the payout CSV. */
export async function payoutRows(db: Db, q: { programId?: string; state: "approved" | "paid" }) {
  const all = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listRewards(db, { ...q, limit: 500, cursor });
    all.push(...page.slice(0, 500));
    if (page.length <= 500) return all;
    cursor = page[499].id;
  }
}
