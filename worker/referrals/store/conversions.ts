import { and, eq } from "drizzle-orm";
import {
  referralAttributions,
  referralClicks,
  referralConversions,
  referralLinks,
  referralPrograms,
} from "../../../db/schema/index.ts";
import { contactUpsert } from "../../lib/contacts.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { z } from "../../lib/openapi.ts";
import { badRequest } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { type Attribution, inFuture, notAttributedReason } from "../attribution.ts";
import { parseClickId } from "../codes.ts";
import type { ConversionBody, ConversionResultSchema } from "../schemas.ts";
import { converted } from "./activity.ts";
import { type Customer, rewardStatements } from "./conversion-rewards.ts";
import { withIdempotency } from "./idempotency.ts";
import { newestFirst } from "./page.ts";
import type { Program } from "./programs.ts";

type Input = z.infer<typeof ConversionBody>;
type Result = z.infer<typeof ConversionResultSchema>;

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
 * Records a conversion once per Idempotency-Key (`rawBody` tells a replay from another request
 * under the same key): the conversion and everything it implies, in one batch.
 */
export function recordConversion(db: Db, key: string, rawBody: string, input: Input, now = Date.now()) {
  return withIdempotency(db, key, rawBody, () => planConversion(db, input, now));
}

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

/** Plans one conversion event and everything it implies as statements for one batch. */
export async function planConversion(
  db: Db,
  input: Input,
  now = Date.now(),
): Promise<{ stmts: Statement[]; body: Result }> {
  const occurredAt = Date.parse(input.occurredAt);
  if (inFuture(occurredAt, now)) {
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
      conversionRow(db, { id, programId: null, attributionId: null, customerId: customer.id }, input, occurredAt, now),
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
    const planned = await planTarget(db, t, input, customer, occurredAt, now);
    stmts.push(...planned.stmts);
    results.push(planned.result);
  }
  return { stmts, body: { conversions: results } };
}

/** The conversion's own row: its id, the program and attribution it counts for (none without a referral), its customer. */
function conversionRow(
  db: Db,
  of: { id: string; programId: string | null; attributionId: string | null; customerId: string },
  input: Input,
  occurredAt: number,
  now: number,
) {
  return db.insert(referralConversions).values({
    ...of,
    event: input.event,
    amount: input.amount,
    currency: input.currency,
    occurredAt,
    createdAt: now,
  });
}

/** The conversion in one program: its attribution (new or found), its row, the rewards it moves, its webhook. */
async function planTarget(db: Db, t: Target, input: Input, customer: Customer, occurredAt: number, now: number) {
  const stmts: Statement[] = [];
  const conversionId = newId("cnv", now);
  let attribution = t.attribution;
  let reason: string | null = null;
  let created = false;
  if (!attribution && t.link) {
    reason = notAttributedReason(t.program, input.event, occurredAt, t.clickAt);
    if (!reason) {
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
  const row = {
    id: conversionId,
    programId: t.program.id,
    attributionId: attribution?.id ?? null,
    customerId: customer.id,
  };
  stmts.push(conversionRow(db, row, input, occurredAt, now));
  const moved = attribution
    ? await rewardStatements(db, t.program, attribution, created, input.event, customer, occurredAt, now)
    : { stmts: [], rewards: [], qualified: false };
  stmts.push(...moved.stmts);
  const { qualified, rewards } = moved;
  if (attribution) {
    const c = { conversionId, customerId: customer.id, programId: t.program.id, event: input.event, qualified };
    stmts.push(...converted(db, c, occurredAt, now));
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
  const result: Result["conversions"][number] = {
    id: conversionId,
    programId: t.program.id,
    attributionId: attribution?.id ?? null,
    referrerId: attribution?.referrerId ?? null,
    attributed: attribution !== null,
    reason,
    qualified,
    rewards,
  };
  return { stmts, result };
}

export function listConversions(db: Db, q: { limit: number; cursor?: string; programId?: string }) {
  return newestFirst(
    db,
    referralConversions,
    q,
    q.programId ? eq(referralConversions.programId, q.programId) : undefined,
  );
}
