// Admin API of emails: the incident pause of marketing email, and resuming it by hand.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { marketingPause, resumeMarketing } from "../pause.ts";
import { MarketingPauseSchema, ResumeMarketingBody } from "../schemas.ts";
import { invalid } from "./refusals.ts";

export const pauseRoutes = newRouter();
const op = adminOps(pauseRoutes, "emails", ["emails: pause"]);

// GET /api/v1/emails/pause — whether incidents pause marketing email now
op(
  {
    method: "get",
    path: "/api/v1/emails/pause",
    summary: "The incident pause of marketing email",
    description:
      "A major or critical incident on a status page that pauses marketing (`pausesMarketing`) defers marketing email until it resolves; transactional, product-update and status email still go.",
    responses: { 200: jsonContent(MarketingPauseSchema, "The pause, or how the last one ended") },
  },
  async (c) => c.json(await marketingPause(getDb(c.env.DB)), 200),
);

// POST /api/v1/emails/pause/resume — resume marketing email by hand
op(
  {
    method: "post",
    path: "/api/v1/emails/pause/resume",
    summary: "Resume marketing email",
    description:
      "Ends the pause while its incidents are still open (`marketing.resumed`); deferred marketing mail goes at cron's next tick. Only an incident opened afterwards pauses marketing again.",
    request: { body: jsonBody(ResumeMarketingBody) },
    responses: {
      200: jsonContent(MarketingPauseSchema, "Marketing resumed"),
      ...invalid,
      409: problemContent("Not paused, or paused since by another incident"),
    },
  },
  async (c) => {
    const p = c.get("principal");
    const by = p.kind === "key" ? `key: ${p.name}` : p.email;
    const state = await resumeMarketing(getDb(c.env.DB), c.req.valid("json").pauseId, by, Date.now());
    await kickWebhooks(c.env);
    return c.json(state, 200);
  },
);
