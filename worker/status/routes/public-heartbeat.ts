// The heartbeat URL a monitored job calls.
import { getDb } from "../../lib/db.ts";
import { createRoute, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { recordBeat } from "../monitors.ts";
import { BeatAnswer, HeartbeatParams } from "../schemas.ts";

export const publicHeartbeat = newRouter();

const beatRoute = (method: "get" | "post") =>
  createRoute({
    method,
    path: "/status/heartbeat/{token}",
    tags: ["Status monitors"],
    summary: "Heartbeat",
    description: "A job calls its monitor's secret URL; silence longer than the period marks the component down.",
    request: { params: HeartbeatParams },
    responses: { 200: jsonContent(BeatAnswer, "Beat recorded"), 404: problemContent("Unknown heartbeat") },
  });

// GET|POST /status/heartbeat/:token — record a beat
for (const method of ["get", "post"] as const) {
  publicHeartbeat.openapi(beatRoute(method), async (c) => {
    const now = Date.now();
    const m = await recordBeat(c.env, getDb(c.env.DB), c.req.valid("param").token, now);
    if (!m) throw notFound("No such heartbeat");
    return c.json({ ok: true as const, nextBeforeMs: now + (m.periodSeconds ?? 0) * 1000 }, 200);
  });
}
