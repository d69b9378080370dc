import { and, count, desc, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import {
  contacts,
  idempotencyKeys,
  type QualifyingEvent,
  type RewardPolicy,
  referralAttributions,
  referralClicks,
  referralConversions,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewardEvents,
  referralRewards,
} from "../../db/schema/index.ts";
import { contactUpsert } from "../lib/contacts.ts";
import { sha256Hex } from "../lib/crypto.ts";
import type { Db, Statement } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import type { z } from "../lib/openapi.ts";
import { badRequest, conflict } from "../lib/problem.ts";
import { emit } from "../lib/webhooks.ts";
import { parseClickId } from "./codes.ts";
import { fraudFlags, REVERSING_EVENTS } from "./fraud.ts";
import type { Program } from "./programs.ts";
import { afterQualifying, type Reward, tierFor, transitionStatements } from "./rewards.ts";
import type { ConversionBody, ConversionResultSchema } from "./schemas.ts";

const DAY = 86_400_000;
/** Clocks differ: a conversion may be stamped slightly before the click that led to it. */
const CLOCK_SKEW = 5 * 60_000;
const IDEMPOTENCY_SCOPE = "referrals.conversions";

type Input = z.infer<typeof ConversionBody>;
type Result = z.infer<typeof ConversionResultSchema>;
type Attribution = typeof referralAttributions.$inferSelect;

export function qualifies(q: QualifyingEvent, event: string, occurredAt: number, signedUpAt: number): boolean {
  if (REVERSING_EVENTS.has(event)) return false;
  return q.type === "event" ? q.event === event : occurredAt >= signedUpAt + q.days * DAY;
}

/**
 * Runs a conversion at most once per Idempotency-Key: a replay gets the first answer, a
 * different body under the same key is refused. The key row, holding the answer, is written
 * in the same batch as the work, so either both exist or neither does.
 */
export async function withIdempotency(
  db: Db,
  key: string,
  rawBody: string,
  plan: () => Promise<{ stmts: Statement[]; body: Result }>,
  now = Date.now(),
): Promise<{ body: Result; replayed: boolean }> {
  const hash = await sha256Hex(rawBody);
  const stored = async () => {
    const row = await db.query.idempotencyKeys.findFirst({
      where: and(eq(idempotencyKeys.scope, IDEMPOTENCY_SCOPE), eq(idempotencyKeys.key, key)),
    });
    if (!row) return null;
    const saved = JSON.parse(row.body) as { hash: string; body: Result };
    if (saved.hash !== hash) throw conflict("This Idempotency-Key was used with a different request body");
    return { body: saved.body, replayed: true };
  };
  const earlier = await stored();
  if (earlier) return earlier;
  const { stmts, body } = await plan();
  const keyRow = db
    .insert(idempotencyKeys)
    .values({ scope: IDEMPOTENCY_SCOPE, key, status: 201, body: JSON.stringify({ hash, body }), createdAt: now });
  try {
    await db.batch([keyRow, ...stmts]);
  } catch (e) {
    // A concurrent request with the same key won the insert (and nothing of ours was written).
    const winner = await stored();
    if (winner) return winner;
    // Another conversion for the same customer attributed them first: nothing of ours was written.
    if (String((e as Error)?.cause ?? e).includes("UNIQUE constraint failed")) {
      throw conflict("A concurrent conversion for this customer won; retry with the same Idempotency-Key");
    }
    throw e;
  }
  return { body, replayed: false };
}

type Target = {
  program: Program;
  attribution: Attribution | null;
  link: { id: string; referrerId: string | null } | null;
  clickId: string | null;
  clickAt: number;
  visitorHash: string | null;
  utmSource: string | null;
};

/**
 * The link the click id or code names, or null when the input names neither. Refused before
 * anything is written (the customer included) when it names no link.
 */
async function namedLink(db: Db, input: Input) {
  const parsed = input.clickId ? parseClickId(input.clickId) : null;
  if (input.clickId && !parsed)
    throw badRequest("Unknown click id", [{ path: "body.clickId", message: "not a click id" }]);
  const code = parsed?.code ?? input.code;
  if (!code) return null;
  const [row] = await db
    .select({ link: referralLinks, program: referralPrograms })
    .from(referralLinks)
    .innerJoin(referralPrograms, eq(referralPrograms.id, referralLinks.programId))
    .where(eq(referralLinks.code, code));
  if (!row) {
    throw badRequest("No link has this code", [
      { path: input.clickId ? "body.clickId" : "body.code", message: "unknown" },
    ]);
  }
  return { ...row, clickAt: parsed?.at };
}

/** The programs this conversion counts for: the click's or code's, or the customer's attributions. */
async function targets(
  db: Db,
  input: Input,
  named: Awaited<ReturnType<typeof namedLink>>,
  customerId: string,
  occurredAt: number,
): Promise<Target[]> {
  if (!named) {
    const rows = await db
      .select({ attribution: referralAttributions, program: referralPrograms })
      .from(referralAttributions)
      .innerJoin(referralPrograms, eq(referralPrograms.id, referralAttributions.programId))
      .where(
        and(
          eq(referralAttributions.customerId, customerId),
          input.programId ? eq(referralAttributions.programId, input.programId) : undefined,
        ),
      );
    return rows.map((r) => ({ ...r, link: null, clickId: null, clickAt: 0, visitorHash: null, utmSource: null }));
  }
  const click = input.clickId
    ? await db.query.referralClicks.findFirst({ where: eq(referralClicks.id, input.clickId) })
    : undefined;
  const attribution = await db.query.referralAttributions.findFirst({
    where: and(eq(referralAttributions.programId, named.program.id), eq(referralAttributions.customerId, customerId)),
  });
  return [
    {
      program: named.program,
      attribution: attribution ?? null,
      link: named.link,
      clickId: input.clickId ?? null,
      clickAt: named.clickAt ?? occurredAt,
      visitorHash: click?.visitorHash ?? null,
      utmSource: click?.utmSource ?? named.link.utm.utm_source ?? null,
    },
  ];
}

/**
 * What fraud rules say about a referral, from a handful of indexed counts. Velocity looks at
 * the day before the referral's sign-up, so a late qualification is judged like an early one.
 */
async function fraudFor(
  db: Db,
  program: Program,
  referrerId: string,
  customer: { id: string; email: string | null },
  visitorHash: string | null,
  signedUpAt: number,
) {
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
  return fraudFlags({
    referrerEmail: referrer?.email ?? null,
    customerEmail: customer.email,
    sameContact: referrer?.contactId === customer.id,
    visitorMatchesReferrer: own.n > 0,
    referrerSignupsLastDay: byReferrer.n,
    visitorSignupsLastDay: byVisitor.n,
    velocity: program.rewardPolicy.velocity,
  });
}

/** Plans one conversion event and everything it implies as statements for one batch. */
export async function planConversion(
  db: Db,
  input: Input,
  now = Date.now(),
): Promise<{ stmts: Statement[]; body: Result }> {
  const occurredAt = Date.parse(input.occurredAt);
  if (occurredAt > now + CLOCK_SKEW) {
    throw badRequest("occurredAt is in the future", [{ path: "body.occurredAt", message: "in the future" }]);
  }
  const named = await namedLink(db, input);
  const [customer] = await contactUpsert(
    db,
    { externalId: input.customer.id, email: input.customer.email, name: input.customer.name },
    now,
  );
  const found = await targets(db, input, named, customer.id, occurredAt);
  const stmts: Statement[] = [];
  const results: Result["conversions"] = [];
  if (!found.length) {
    const id = newId("cnv", now);
    stmts.push(
      db.insert(referralConversions).values({
        id,
        customerId: customer.id,
        event: input.event,
        amount: input.amount,
        currency: input.currency,
        occurredAt,
        createdAt: now,
      }),
    );
    results.push({
      id,
      programId: null,
      attributionId: null,
      referrerId: null,
      attributed: false,
      reason: "no_referral",
      qualified: false,
      rewards: [],
    });
  }
  for (const t of found) {
    const conversionId = newId("cnv", now);
    let attribution = t.attribution;
    let reason: string | null = null;
    let created = false;
    if (!attribution && t.link) {
      if (t.program.state !== "active") reason = "program_archived";
      else if (occurredAt + CLOCK_SKEW < t.clickAt || occurredAt - t.clickAt > t.program.windowDays * DAY) {
        reason = "outside_window";
      } else if (REVERSING_EVENTS.has(input.event)) reason = "nothing_to_reverse";
      else {
        created = true;
        attribution = {
          id: newId("att", now),
          programId: t.program.id,
          customerId: customer.id,
          referrerId: t.link.referrerId,
          linkId: t.link.id,
          clickId: t.clickId,
          visitorHash: t.visitorHash,
          utmSource: t.utmSource,
          signedUpAt: occurredAt,
          qualifiedAt: null,
          createdAt: now,
        };
        stmts.push(db.insert(referralAttributions).values(attribution));
      }
    }
    stmts.push(
      db.insert(referralConversions).values({
        id: conversionId,
        programId: t.program.id,
        attributionId: attribution?.id ?? null,
        customerId: customer.id,
        event: input.event,
        amount: input.amount,
        currency: input.currency,
        occurredAt,
        createdAt: now,
      }),
    );
    const rewards: Result["conversions"][number]["rewards"] = [];
    let qualified = false;
    if (attribution) {
      const policy = t.program.rewardPolicy;
      let existing: Reward[] = [];
      if (created && attribution.referrerId) {
        existing = pendingRewards(
          attribution,
          customer.id,
          await referrerContact(db, attribution.referrerId),
          policy,
          now,
        );
        for (const r of existing) {
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
      } else if (!created) {
        existing = await db.select().from(referralRewards).where(eq(referralRewards.attributionId, attribution.id));
      }
      if (
        !attribution.qualifiedAt &&
        qualifies(t.program.qualifyingEvent, input.event, occurredAt, attribution.signedUpAt)
      ) {
        qualified = true;
        stmts.push(
          db
            .update(referralAttributions)
            .set({ qualifiedAt: occurredAt })
            .where(and(eq(referralAttributions.id, attribution.id), sql`qualified_at IS NULL`)),
        );
        if (attribution.referrerId) {
          stmts.push(...(await qualifyStatements(db, t.program, attribution, customer, existing, now)));
        }
      }
      if (REVERSING_EVENTS.has(input.event)) {
        for (const r of existing) {
          if (r.state !== "pending" && r.state !== "held") continue;
          stmts.push(
            ...transitionStatements(
              db,
              r,
              ["pending", "held"],
              {
                to: "reversed",
                reason: `${input.event}_within_hold`,
                actor: "system",
                set: { reversedReason: `${input.event}_within_hold` },
              },
              now,
            ),
          );
          r.state = "reversed";
        }
      }
      for (const r of existing) rewards.push({ id: r.id, side: r.side, state: r.state });
    }
    stmts.push(
      emit(
        db,
        "conversion.created",
        {
          id: conversionId,
          event: input.event,
          programId: t.program.id,
          customer: { id: input.customer.id, email: customer.email },
          attributionId: attribution?.id ?? null,
          referrerId: attribution?.referrerId ?? null,
          qualified,
          amount: input.amount ?? null,
          currency: input.currency ?? null,
          occurredAt: input.occurredAt,
        },
        now,
      ),
    );
    results.push({
      id: conversionId,
      programId: t.program.id,
      attributionId: attribution?.id ?? null,
      referrerId: attribution?.referrerId ?? null,
      attributed: attribution !== null,
      reason,
      qualified,
      rewards,
    });
  }
  return { stmts, body: { conversions: results } };
}

async function referrerContact(db: Db, referrerId: string): Promise<string> {
  const [r] = await db
    .select({ contactId: referralReferrers.contactId })
    .from(referralReferrers)
    .where(eq(referralReferrers.id, referrerId));
  return r.contactId;
}

/**
 * New rewards wait as `pending` until the referral qualifies. The referrer's shows the first
 * tier's reward; the tier reached is fixed when it qualifies.
 */
function pendingRewards(
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

/** Pending -> held / approved (or reversed when the referrer's monthly cap is spent), per side. */
async function qualifyStatements(
  db: Db,
  program: Program,
  a: Attribution,
  customer: { id: string; email: string | null },
  rewards: Reward[],
  now: number,
) {
  const referrerId = a.referrerId as string;
  const policy = program.rewardPolicy;
  const [{ n: qualifiedBefore }] = await db
    .select({ n: count() })
    .from(referralAttributions)
    .where(and(eq(referralAttributions.referrerId, referrerId), isNotNull(referralAttributions.qualifiedAt)));
  const month = new Date(now);
  const monthStart = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
  const [{ n: thisMonth }] = await db
    .select({ n: count() })
    .from(referralRewards)
    .where(
      and(
        eq(referralRewards.referrerId, referrerId),
        eq(referralRewards.side, "referrer"),
        inArray(referralRewards.state, ["held", "approved", "paid"]),
        gte(referralRewards.updatedAt, monthStart),
      ),
    );
  const flags = await fraudFor(db, program, referrerId, customer, a.visitorHash, a.signedUpAt);
  const next = afterQualifying(policy, flags, now);
  const qualify = (r: Reward, set: { reward?: Reward["reward"]; tier?: number }) =>
    transitionStatements(
      db,
      r,
      ["pending"],
      {
        to: next.to,
        reason: next.holdReason ?? "qualified",
        actor: "system",
        set: { ...set, flags, holdReason: next.holdReason, clearsAt: next.clearsAt },
      },
      now,
    );
  const stmts = [];
  for (const r of rewards) {
    if (r.state !== "pending") continue;
    if (r.side === "referrer") {
      const tier = tierFor(policy, qualifiedBefore + 1);
      const capped = policy.monthlyCap !== null && thisMonth >= policy.monthlyCap;
      if (!tier || capped) {
        const why = tier ? "monthly_cap" : "below_first_tier";
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
      stmts.push(...qualify(r, { reward: tier.reward, tier: tier.tier }));
    } else {
      stmts.push(...qualify(r, {}));
    }
    r.state = next.to;
  }
  return stmts;
}

export async function listConversions(db: Db, q: { limit: number; cursor?: string; programId?: string }) {
  return db
    .select()
    .from(referralConversions)
    .where(
      and(
        q.cursor ? lt(referralConversions.id, q.cursor) : undefined,
        q.programId ? eq(referralConversions.programId, q.programId) : undefined,
      ),
    )
    .orderBy(desc(referralConversions.id))
    .limit(q.limit + 1);
}
