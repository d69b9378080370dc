// Admin API of monitors, and the public heartbeat URL.
import { eq } from "drizzle-orm";
import { statusMonitors } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { getDb } from "../../lib/db.ts";
import { newId, randomString } from "../../lib/ids.ts";
import { adminRoute, createRoute, jsonBody, jsonContent, newRouter, problemContent, z } from "../../lib/openapi.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import { outboundUrlProblem } from "../../lib/urls.ts";
import { getMonitorOrThrow, listMonitors, type Monitor, monitorResults, recordBeat } from "../monitors.ts";
import { CreateMonitorBody, IdParams, MonitorResultSchema, MonitorSchema, PageIdParams } from "../schemas.ts";
import { getComponentOrThrow, getPageOrThrow } from "../store/pages.ts";

export const monitorRoutes = newRouter();
const tags = ["Status monitors"];

const monitorView = (m: Monitor) => ({
  id: m.id,
  componentId: m.componentId,
  kind: m.kind,
  name: m.name,
  url: m.url,
  method: m.method,
  expectedStatusMin: m.expectedStatusMin,
  expectedStatusMax: m.expectedStatusMax,
  keyword: m.keyword,
  timeoutMs: m.timeoutMs,
  intervalMinutes: m.intervalMinutes,
  periodSeconds: m.periodSeconds,
  failureThreshold: m.failureThreshold,
  failureStatus: m.failureStatus,
  enabled: m.enabled,
  consecutiveFailures: m.consecutiveFailures,
  lastCheckedAt: m.lastCheckedAt,
  lastOk: m.lastOk,
  lastBeatAt: m.lastBeatAt,
  openIncidentId: m.openIncidentId,
  createdAt: m.createdAt,
});

const TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// POST /api/v1/status/components/:id/monitors — add an HTTP or heartbeat monitor to a component
monitorRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/components/{id}/monitors",
    tags,
    summary: "Create a monitor",
    description:
      "HTTP monitors are checked by cron every `intervalMinutes`; `failureThreshold` failures in a row open an incident and set the component to `failureStatus`, recovery resolves it. A heartbeat monitor answers with its secret URL once.",
    request: {
      params: IdParams,
      body: jsonBody(CreateMonitorBody),
    },
    responses: {
      201: jsonContent(MonitorSchema.extend({ heartbeatUrl: z.string().optional() }), "The monitor"),
      400: problemContent("Invalid, or a private URL"),
      404: problemContent("No such component"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const component = await getComponentOrThrow(db, c.req.valid("param").id);
    const input = c.req.valid("json");
    const now = Date.now();
    const base = { id: newId("mon", now), componentId: component.id, createdAt: now, enabled: true };
    let row: typeof statusMonitors.$inferInsert;
    let token: string | null = null;
    if (input.kind === "http") {
      const why = outboundUrlProblem(input.url, c.env);
      if (why) throw badRequest("The monitor URL is not allowed", [{ path: "body.url", message: why }]);
      if (input.expectedStatusMax < input.expectedStatusMin) {
        throw badRequest("The expected status range is empty", [
          { path: "body.expectedStatusMax", message: "must be at least expectedStatusMin" },
        ]);
      }
      row = { ...base, ...input, name: input.name ?? new URL(input.url).host, nextRunAt: now };
    } else {
      token = randomString(32, TOKEN_ALPHABET);
      row = {
        ...base,
        kind: "heartbeat",
        name: input.name ?? `${component.name} heartbeat`,
        periodSeconds: input.periodSeconds,
        failureStatus: input.failureStatus,
        failureThreshold: 1,
        tokenHash: await sha256Hex(token),
        nextRunAt: now + input.periodSeconds * 1000,
      };
    }
    const [created] = await db.insert(statusMonitors).values(row).returning();
    const heartbeatUrl = token ? `${c.env.PUBLIC_URL.replace(/\/$/, "")}/status/heartbeat/${token}` : undefined;
    return c.json({ ...monitorView(created), ...(heartbeatUrl ? { heartbeatUrl } : {}) }, 201);
  },
);

// GET /api/v1/status/pages/:pageId/monitors — every monitor of a page's components
monitorRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/monitors",
    tags,
    summary: "List monitors",
    request: { params: PageIdParams },
    responses: {
      200: jsonContent(z.object({ data: z.array(MonitorSchema) }), "Monitors"),
      404: problemContent("No such page"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json({ data: (await listMonitors(db, p.id)).map(monitorView) }, 200);
  },
);

// GET /api/v1/status/monitors/:id/results — recent results with response times, newest first
monitorRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/monitors/{id}/results",
    tags,
    summary: "Monitor results",
    request: {
      params: IdParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        before: z.coerce.number().int().min(0).optional().openapi({ description: "Only runs before this time (ms)" }),
      }),
    },
    responses: {
      200: jsonContent(z.object({ data: z.array(MonitorResultSchema) }), "Results"),
      404: problemContent("No such monitor"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const m = await getMonitorOrThrow(db, c.req.valid("param").id);
    const q = c.req.valid("query");
    return c.json({ data: await monitorResults(db, m.id, q.limit, q.before) }, 200);
  },
);

// PATCH /api/v1/status/monitors/:id — pause or resume a monitor
monitorRoutes.openapi(
  adminRoute("status", {
    method: "patch",
    path: "/api/v1/status/monitors/{id}",
    tags,
    summary: "Pause or resume a monitor",
    request: {
      params: IdParams,
      body: jsonBody(z.object({ enabled: z.boolean() })),
    },
    responses: { 200: jsonContent(MonitorSchema, "The monitor"), 404: problemContent("No such monitor") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const m = await getMonitorOrThrow(db, c.req.valid("param").id);
    const { enabled } = c.req.valid("json");
    const [row] = await db
      .update(statusMonitors)
      .set({ enabled, nextRunAt: m.kind === "http" ? Date.now() : m.nextRunAt })
      .where(eq(statusMonitors.id, m.id))
      .returning();
    return c.json(monitorView(row), 200);
  },
);

// DELETE /api/v1/status/monitors/:id — remove a monitor (its results go with it)
monitorRoutes.openapi(
  adminRoute("status", {
    method: "delete",
    path: "/api/v1/status/monitors/{id}",
    tags,
    summary: "Delete a monitor",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("No such monitor") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const m = await getMonitorOrThrow(db, c.req.valid("param").id);
    await db.delete(statusMonitors).where(eq(statusMonitors.id, m.id));
    return c.body(null, 204);
  },
);

const TokenParams = z.object({
  token: z
    .string()
    .min(16)
    .max(64)
    .openapi({ param: { name: "token", in: "path" } }),
});
const beatRoute = (method: "get" | "post") =>
  createRoute({
    method,
    path: "/status/heartbeat/{token}",
    tags,
    summary: "Heartbeat",
    description: "A job calls its monitor's secret URL; silence longer than the period marks the component down.",
    request: { params: TokenParams },
    responses: {
      200: jsonContent(z.object({ ok: z.literal(true), nextBeforeMs: z.number().int() }), "Beat recorded"),
      404: problemContent("Unknown heartbeat"),
    },
  });

// GET|POST /status/heartbeat/:token — record a beat
for (const method of ["get", "post"] as const) {
  monitorRoutes.openapi(beatRoute(method), async (c) => {
    const now = Date.now();
    const m = await recordBeat(c.env, getDb(c.env.DB), c.req.valid("param").token, now);
    if (!m) throw notFound("No such heartbeat");
    return c.json({ ok: true as const, nextBeforeMs: now + (m.periodSeconds ?? 0) * 1000 }, 200);
  });
}
