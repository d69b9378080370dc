// /api/v1 operations for reviewing and paying rewards: the review queue with its evidence, bulk pay, the payout file.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, problemContent, toPage, z } from "../../lib/openapi.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { payoutCsv } from "../payout-csv.ts";
import { reviewReason } from "../reward-policy.ts";
import { PayBody, PayoutQuery, PayResultSchema, ReviewItemSchema, ReviewQuery } from "../schemas.ts";
import { payoutRows, payRewards, reviewQueue } from "../store/payouts.ts";

// Mounted before the routes of /api/v1/rewards/{id}, whose parameter would take these paths.
export const payoutRoutes = newRouter();
const op = adminOps(payoutRoutes, "referrals", ["Referrals"]);

// GET /api/v1/rewards/review — held rewards a fraud rule flagged, with who and why
op(
  {
    method: "get",
    path: "/api/v1/rewards/review",
    summary: "The review queue",
    description:
      "Held rewards a fraud rule flagged, newest first, with the referrer, the referee and what each rule saw " +
      "(the shared email, the disposable domain, the sign-ups in the velocity window). They never clear on their own.",
    request: { query: ReviewQuery },
    responses: { 200: jsonContent(page(ReviewItemSchema), "Rewards to review") },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await reviewQueue(getDb(c.env.DB), q), q.limit), 200);
  },
);

// POST /api/v1/rewards/pay — mark approved rewards paid, up to 100 at once
op(
  {
    method: "post",
    path: "/api/v1/rewards/pay",
    summary: "Mark rewards paid",
    description:
      "Each approved reward named becomes paid (with a `reward.paid` webhook); the others are answered with why " +
      "not and left as they are. Naming a paid reward again changes nothing.",
    request: { body: jsonBody(PayBody) },
    responses: { 200: jsonContent(PayResultSchema, "What happened to each reward"), 400: problemContent("Invalid") },
  },
  async (c) => {
    const { ids, note } = c.req.valid("json");
    const p = c.get("principal");
    const actor = p.kind === "key" ? `key:${p.keyId}` : `access:${p.email}`;
    const result = await payRewards(getDb(c.env.DB), ids, reviewReason("pay", { note }), actor);
    if (result.paid) c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json(result, 200);
  },
);

// GET /api/v1/rewards/payouts.csv — the rewards to pay (or paid), as a spreadsheet
op(
  {
    method: "get",
    path: "/api/v1/rewards/payouts.csv",
    summary: "Export payouts as CSV",
    description:
      "One line per reward in `state` (default `approved`: what is owed), newest first: who receives it " +
      "(id, email, name), what (credit amount in major and minor units, discount or feature), the tier, and " +
      "the referral it came from. Cells a spreadsheet would run as a formula are prefixed with `'`.",
    request: { query: PayoutQuery },
    responses: {
      200: { description: "The CSV, as an attachment", content: { "text/csv": { schema: z.string() } } },
      400: problemContent("Invalid"),
    },
  },
  async (c) => {
    const q = c.req.valid("query");
    const rows = await payoutRows(getDb(c.env.DB), q);
    const name = `payouts-${q.state}-${new Date().toISOString().slice(0, 10)}.csv`;
    return new Response(payoutCsv(rows), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    }) as never; // an attachment, not a typed JSON body
  },
);
