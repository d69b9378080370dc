import { and, desc, eq, lt } from "drizzle-orm";
import journal from "../../db/migrations/meta/_journal.json";
import { apiKeys, deadLetters, webhookDeliveries, webhookEndpoints, webhookEvents } from "../../db/schema/index.ts";
import pkg from "../../package.json";
import { createApiKey } from "../lib/auth.ts";
import { changesOf, getDb } from "../lib/db.ts";
import { requireVisitor } from "../lib/identity.ts";
import { newId } from "../lib/ids.ts";
import {
  adminRoute,
  createRoute,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  toPage,
  z,
} from "../lib/openapi.ts";
import { badRequest, notFound, Problem } from "../lib/problem.ts";
import { outboundUrlProblem } from "../lib/urls.ts";
import { emit, kickWebhooks, newWebhookSecret } from "../lib/webhooks.ts";
import { listCronRuns } from "./cron-runs.ts";
import {
  ApiKeySchema,
  CreatedKeySchema,
  CreatedWebhookSchema,
  CreateKeyBody,
  CreateWebhookBody,
  CronRunSchema,
  CronRunsQuery,
  DeadLetterSchema,
  DeliverySchema,
  HealthSchema,
  IdParams,
  UpdateWebhookBody,
  VisitorSchema,
  WebhookEndpointSchema,
} from "./schemas.ts";

export const platform = newRouter();

// GET /api/v1/ping — does nothing: the baseline every benchmark is measured against
platform.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/ping",
    tags: ["Platform"],
    summary: "No-op (benchmark baseline)",
    responses: { 200: jsonContent(z.object({ ok: z.literal(true) }), "Always ok") },
  }),
  (c) => c.json({ ok: true as const }, 200),
);

// GET /api/v1/health — version, migrations applied, database reachable
platform.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/health",
    tags: ["Platform"],
    summary: "Health",
    responses: { 200: jsonContent(HealthSchema, "Health"), 503: jsonContent(HealthSchema, "Degraded") },
  }),
  async (c) => {
    const expected = journal.entries.map((e) => e.tag);
    let applied: string[] = [];
    let reachable = true;
    try {
      const res = await c.env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
      applied = res.results.map((r) => r.name.replace(/\.sql$/, ""));
    } catch {
      try {
        await c.env.DB.prepare("SELECT 1").first();
      } catch {
        reachable = false;
      }
    }
    const pending = expected.filter((t) => !applied.includes(t));
    const ok = reachable && pending.length === 0;
    const body = {
      status: ok ? ("ok" as const) : ("degraded" as const),
      version: pkg.version,
      database: { reachable, migrations: { applied, pending } },
      time: new Date().toISOString(),
    };
    return ok ? c.json(body, 200) : c.json(body, 503);
  },
);

// GET /api/v1/identity — who the visitor's identity token names (for host apps wiring up SSO)
platform.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/identity",
    tags: ["Platform"],
    summary: "The visitor named by an identity token",
    middleware: [requireVisitor()] as const,
    security: [{ identityToken: [] }],
    responses: { 200: jsonContent(VisitorSchema, "The visitor"), 401: problemContent("No valid identity token") },
  }),
  (c) => c.json(c.get("visitor"), 200),
);

// GET /api/v1/me — the key (or Access user) making the request; the console's sign-in check
platform.openapi(
  adminRoute("read", {
    method: "get",
    path: "/api/v1/me",
    tags: ["API keys"],
    summary: "The caller",
    responses: {
      200: jsonContent(
        z.object({ kind: z.enum(["key", "access"]), name: z.string(), scopes: z.array(z.string()) }),
        "The caller",
      ),
    },
  }),
  (c) => {
    const p = c.get("principal");
    return c.json({ kind: p.kind, name: p.kind === "key" ? p.name : p.email, scopes: p.scopes }, 200);
  },
);

const keyView = (k: typeof apiKeys.$inferSelect) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

// GET /api/v1/keys — list API keys (never the keys themselves)
platform.openapi(
  adminRoute("admin", {
    method: "get",
    path: "/api/v1/keys",
    tags: ["API keys"],
    summary: "List API keys",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(ApiKeySchema), "Keys, newest first") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await getDb(c.env.DB)
      .select()
      .from(apiKeys)
      .where(cursor ? lt(apiKeys.id, cursor) : undefined)
      .orderBy(desc(apiKeys.id))
      .limit(limit + 1);
    const p = toPage(rows, limit);
    return c.json({ data: p.data.map(keyView), nextCursor: p.nextCursor }, 200);
  },
);

// POST /api/v1/keys — create a key; the response is the only time it is shown
platform.openapi(
  adminRoute("admin", {
    method: "post",
    path: "/api/v1/keys",
    tags: ["API keys"],
    summary: "Create an API key",
    request: { body: jsonBody(CreateKeyBody) },
    responses: { 201: jsonContent(CreatedKeySchema, "The new key, shown once"), 400: problemContent("Invalid") },
  }),
  async (c) => {
    const created = await createApiKey(getDb(c.env.DB), c.req.valid("json"));
    return c.json({ ...created, lastUsedAt: null, revokedAt: null }, 201);
  },
);

// DELETE /api/v1/keys/:id — revoke a key; it stops working at once
platform.openapi(
  adminRoute("admin", {
    method: "delete",
    path: "/api/v1/keys/{id}",
    tags: ["API keys"],
    summary: "Revoke an API key",
    request: { params: IdParams },
    responses: { 200: jsonContent(ApiKeySchema, "The revoked key"), 404: problemContent("No such key") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    if (principal.kind === "key" && principal.keyId === id) {
      throw new Problem(409, "conflict", "A key cannot revoke itself; use another admin key");
    }
    const db = getDb(c.env.DB);
    const [row] = await db.update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, id)).returning();
    if (!row) throw notFound("No such API key");
    return c.json(keyView(row), 200);
  },
);

const endpointView = (e: typeof webhookEndpoints.$inferSelect) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.enabled,
  createdAt: e.createdAt,
});

function checkUrl(url: string | undefined, env: Env) {
  if (url === undefined) return;
  const why = outboundUrlProblem(url, env);
  if (why) throw badRequest("The webhook URL is not allowed", [{ path: "body.url", message: why }]);
}

// GET /api/v1/webhooks — list endpoints
platform.openapi(
  adminRoute("admin", {
    method: "get",
    path: "/api/v1/webhooks",
    tags: ["Webhooks"],
    summary: "List webhook endpoints",
    responses: { 200: jsonContent(z.object({ data: z.array(WebhookEndpointSchema) }), "Endpoints") },
  }),
  async (c) => {
    const rows = await getDb(c.env.DB).select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id));
    return c.json({ data: rows.map(endpointView) }, 200);
  },
);

// POST /api/v1/webhooks — add an endpoint; its signing secret is shown once
platform.openapi(
  adminRoute("admin", {
    method: "post",
    path: "/api/v1/webhooks",
    tags: ["Webhooks"],
    summary: "Create a webhook endpoint",
    request: { body: jsonBody(CreateWebhookBody) },
    responses: {
      201: jsonContent(CreatedWebhookSchema, "The endpoint and its secret"),
      400: problemContent("Invalid"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    checkUrl(body.url, c.env);
    const row = {
      id: newId("whe"),
      url: body.url,
      description: body.description ?? null,
      eventTypes: [...new Set(body.eventTypes)],
      secret: newWebhookSecret(),
      enabled: true,
      createdAt: Date.now(),
    };
    await getDb(c.env.DB).insert(webhookEndpoints).values(row);
    return c.json({ ...endpointView(row), secret: row.secret }, 201);
  },
);

// PATCH /api/v1/webhooks/:id — change url, event types, or enable/disable
platform.openapi(
  adminRoute("admin", {
    method: "patch",
    path: "/api/v1/webhooks/{id}",
    tags: ["Webhooks"],
    summary: "Update a webhook endpoint",
    request: {
      params: IdParams,
      body: jsonBody(UpdateWebhookBody),
    },
    responses: {
      200: jsonContent(WebhookEndpointSchema, "The endpoint"),
      400: problemContent("Invalid"),
      404: problemContent("No such endpoint"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    checkUrl(body.url, c.env);
    const db = getDb(c.env.DB);
    const set = changesOf({ ...body, ...(body.eventTypes ? { eventTypes: [...new Set(body.eventTypes)] } : {}) });
    const [row] = set
      ? await db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning()
      : await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    if (!row) throw notFound("No such webhook endpoint");
    return c.json(endpointView(row), 200);
  },
);

// DELETE /api/v1/webhooks/:id — remove an endpoint (its delivery log stays)
platform.openapi(
  adminRoute("admin", {
    method: "delete",
    path: "/api/v1/webhooks/{id}",
    tags: ["Webhooks"],
    summary: "Delete a webhook endpoint",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("No such endpoint") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await getDb(c.env.DB).delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning();
    if (!row) throw notFound("No such webhook endpoint");
    return c.body(null, 204);
  },
);

// POST /api/v1/webhooks/:id/test — send a `webhook.test` event to this endpoint
platform.openapi(
  adminRoute("admin", {
    method: "post",
    path: "/api/v1/webhooks/{id}/test",
    tags: ["Webhooks"],
    summary: "Send a test event",
    request: { params: IdParams },
    responses: {
      202: jsonContent(z.object({ eventId: z.string() }), "Queued"),
      404: problemContent("No such endpoint"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const db = getDb(c.env.DB);
    const ep = await db.query.webhookEndpoints.findFirst({ where: eq(webhookEndpoints.id, id) });
    if (!ep) throw notFound("No such webhook endpoint");
    const event = emit(db, "webhook.test", { endpointId: id, message: "Hello from Rapport" });
    const [[inserted]] = await db.batch([event.returning({ id: webhookEvents.id })]);
    await kickWebhooks(c.env);
    return c.json({ eventId: inserted.id }, 202);
  },
);

// GET /api/v1/webhooks/deliveries — the delivery log, newest first
platform.openapi(
  adminRoute("admin", {
    method: "get",
    path: "/api/v1/webhooks/deliveries",
    tags: ["Webhooks"],
    summary: "Delivery log",
    request: {
      query: PageQuery.extend({
        endpointId: z.string().max(64).optional(),
        state: z.enum(["pending", "succeeded", "failed"]).optional(),
      }),
    },
    responses: { 200: jsonContent(page(DeliverySchema), "Deliveries") },
  }),
  async (c) => {
    const { limit, cursor, endpointId, state } = c.req.valid("query");
    const rows = await getDb(c.env.DB)
      .select({ d: webhookDeliveries, eventType: webhookEvents.type })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(
        and(
          cursor ? lt(webhookDeliveries.id, cursor) : undefined,
          endpointId ? eq(webhookDeliveries.endpointId, endpointId) : undefined,
          state ? eq(webhookDeliveries.state, state) : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit + 1);
    const p = toPage(
      rows.map((r) => ({ ...r.d, eventType: r.eventType })),
      limit,
    );
    return c.json(p, 200);
  },
);

// GET /api/v1/jobs/dead-letters — queue messages no handler could take
platform.openapi(
  adminRoute("admin", {
    method: "get",
    path: "/api/v1/jobs/dead-letters",
    tags: ["Jobs"],
    summary: "Dead letters",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(DeadLetterSchema), "Dead letters, newest first") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await getDb(c.env.DB)
      .select()
      .from(deadLetters)
      .where(cursor ? lt(deadLetters.id, cursor) : undefined)
      .orderBy(desc(deadLetters.id))
      .limit(limit + 1);
    const p = toPage(
      rows.map((r) => ({ ...r, body: JSON.parse(r.body) as unknown })),
      limit,
    );
    return c.json(p, 200);
  },
);

// GET /api/v1/jobs/cron-runs — the last cron ticks: when each ran and what it enqueued
platform.openapi(
  adminRoute("read", {
    method: "get",
    path: "/api/v1/jobs/cron-runs",
    tags: ["Jobs"],
    summary: "Cron ticks",
    description:
      "Every minute cron decides what is due and enqueues it. Each tick is recorded here for a week, newest first.",
    request: { query: CronRunsQuery },
    responses: { 200: jsonContent(page(CronRunSchema), "Ticks, newest first"), 400: problemContent("Invalid") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listCronRuns(getDb(c.env.DB), { limit, before: cursor ? Number(cursor) : undefined });
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    return c.json({ data, nextCursor: rows.length > limit && last ? String(last.scheduledAt) : null }, 200);
  },
);
