// /api/v1/kpis/alerts and /snapshots/recompute — what the daily snapshots raised, and rewriting them on purpose.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, PageQuery, page, toPage, z } from "../../lib/openapi.ts";
import { enqueue } from "../../lib/queue.ts";
import { AlertSchema, invalid, RecomputeBody } from "../schemas.ts";
import { recomputeMessages } from "../snapshot-days.ts";
import { listAlerts } from "../store/alerts.ts";

export const snapshotsAdmin = newRouter();
const op = adminOps(snapshotsAdmin, "kpis", ["KPIs"]);

// GET /api/v1/kpis/alerts — KPIs that slipped from on track to at risk, newest first
op(
  {
    method: "get",
    path: "/api/v1/kpis/alerts",
    summary: "Pacing alerts",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(AlertSchema), "Alerts"), ...invalid },
  },
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(toPage(await listAlerts(getDb(c.env.DB), limit, cursor), limit), 200);
  },
);

// POST /api/v1/kpis/snapshots/recompute — rewrite stored daily snapshots on purpose (after a backfill)
op(
  {
    method: "post",
    path: "/api/v1/kpis/snapshots/recompute",
    summary: "Recompute snapshots",
    description:
      "Daily snapshots never change by themselves when data is backfilled; this recomputes the completed days from `from` to `to` (UTC, at most 400) from the data as it is now.",
    request: { body: jsonBody(RecomputeBody) },
    responses: { 202: jsonContent(z.object({ days: z.number() }), "Queued"), ...invalid },
  },
  async (c) => {
    const { from, to } = c.req.valid("json");
    const messages = recomputeMessages(Date.parse(from), Date.parse(to), Date.now());
    await enqueue(c.env, messages);
    return c.json({ days: messages.length }, 202);
  },
);
