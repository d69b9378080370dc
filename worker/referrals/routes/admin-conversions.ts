// /api/v1 operations on conversions, the reward ledger, and a program's funnel.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, problemContent, toPage } from "../../lib/openapi.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { statsRange } from "../funnel.ts";
import { reviewReason } from "../reward-policy.ts";
import {
  ConversionBody,
  ConversionQuery,
  ConversionResultSchema,
  ConversionSchema,
  IdempotencyHeaders,
  IdParams,
  ReverseBody,
  ReviewBody,
  RewardQuery,
  RewardRowSchema,
  RewardSchema,
  RewardWithHistorySchema,
  StatsQuery,
  StatsSchema,
} from "../schemas.ts";
import { listConversions, recordConversion } from "../store/conversions.ts";
import { listRewards } from "../store/payouts.ts";
import { getProgramOrThrow } from "../store/programs.ts";
import { getRewardWithHistory, reviewReward } from "../store/rewards.ts";
import { programStats } from "../store/stats.ts";

export const conversionRoutes = newRouter();
const op = adminOps(conversionRoutes, "referrals", ["Referrals"]);

const notFound = problemContent("Not found");

// POST /api/v1/conversions — report a conversion (server to server, Idempotency-Key required)
op(
  {
    method: "post",
    path: "/api/v1/conversions",
    summary: "Report a conversion",
    description:
      "Attributes the customer to the click or code within the program's window (one referrer per customer " +
      "per program), qualifies the referral when the event is the program's qualifying event, and moves rewards " +
      "through the ledger. The same `Idempotency-Key` returns the first answer and changes nothing.",
    request: { headers: IdempotencyHeaders, body: jsonBody(ConversionBody) },
    responses: {
      201: jsonContent(ConversionResultSchema, "Recorded"),
      200: jsonContent(ConversionResultSchema, "A replay: the first answer"),
      400: problemContent("Invalid, or no Idempotency-Key"),
      409: problemContent("The Idempotency-Key was used with another body"),
    },
  },
  async (c) => {
    const input = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const { body, replayed } = await recordConversion(getDb(c.env.DB), key, JSON.stringify(input), input);
    if (!replayed) c.executionCtx.waitUntil(kickWebhooks(c.env));
    c.header("idempotent-replayed", String(replayed));
    return c.json(body, replayed ? 200 : 201);
  },
);

// GET /api/v1/conversions — conversions, newest first
op(
  {
    method: "get",
    path: "/api/v1/conversions",
    summary: "List conversions",
    request: { query: ConversionQuery },
    responses: { 200: jsonContent(page(ConversionSchema), "Conversions") },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listConversions(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/rewards — the ledger, filtered (the review queue is state=held)
op(
  {
    method: "get",
    path: "/api/v1/rewards",
    summary: "List rewards",
    request: { query: RewardQuery },
    responses: { 200: jsonContent(page(RewardRowSchema), "Rewards, newest first, with their people") },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listRewards(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/rewards/:id — one reward with its history
op(
  {
    method: "get",
    path: "/api/v1/rewards/{id}",
    summary: "Get a reward and its history",
    request: { params: IdParams },
    responses: { 200: jsonContent(RewardWithHistorySchema, "The reward"), 404: notFound },
  },
  async (c) => c.json(await getRewardWithHistory(getDb(c.env.DB), c.req.valid("param").id), 200),
);

const REVIEW_SUMMARY = { approve: "Approve a held reward", reverse: "Reverse a reward", pay: "Mark a reward paid" };

for (const action of ["approve", "reverse", "pay"] as const) {
  // POST /api/v1/rewards/:id/{approve,reverse,pay} — an admin's decision on a reward
  op(
    {
      method: "post",
      path: `/api/v1/rewards/{id}/${action}`,
      summary: REVIEW_SUMMARY[action],
      request: {
        params: IdParams,
        body: action === "reverse" ? jsonBody(ReverseBody) : { ...jsonBody(ReviewBody), required: false },
      },
      responses: {
        200: jsonContent(RewardSchema, "The reward after the transition"),
        404: notFound,
        409: problemContent("The reward's state does not allow this"),
      },
    },
    async (c) => {
      const reason = reviewReason(action, (c.req.valid("json") ?? {}) as { reason?: string; note?: string });
      const p = c.get("principal");
      const actor = p.kind === "key" ? `key:${p.keyId}` : `access:${p.email}`;
      const reward = await reviewReward(getDb(c.env.DB), c.req.valid("param").id, action, reason, actor);
      c.executionCtx.waitUntil(kickWebhooks(c.env));
      return c.json(reward, 200);
    },
  );
}

// GET /api/v1/programs/:id/stats — funnel by day and by UTM source
op(
  {
    method: "get",
    path: "/api/v1/programs/{id}/stats",
    summary: "Program stats",
    description:
      "Clicks, unique clicks, sign-ups, qualified and rewarded referrals; conversion rate = qualified / sign-ups.",
    request: { params: IdParams, query: StatsQuery },
    responses: { 200: jsonContent(StatsSchema, "Stats"), 404: notFound },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    const { from, to } = statsRange(c.req.valid("query"), Date.now());
    return c.json(await programStats(db, program.id, from, to), 200);
  },
);
