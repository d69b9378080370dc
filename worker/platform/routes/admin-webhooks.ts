// Webhook endpoints: list, create (the signing secret is shown once), update, delete, test, and the delivery log.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, problemContent, toPage } from "../../lib/openapi.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import type { WebhookEndpoint } from "../../lib/store/webhooks.ts";
import { outboundUrlProblem } from "../../lib/urls.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import {
  CreatedWebhookSchema,
  CreateWebhookBody,
  DeliveriesQuery,
  DeliverySchema,
  IdParams,
  TestEventSchema,
  UpdateWebhookBody,
  WebhookEndpointList,
  WebhookEndpointSchema,
} from "../schemas.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  emitTestEvent,
  listDeliveries,
  listWebhookEndpoints,
  updateWebhookEndpoint,
} from "../store/webhook-endpoints.ts";

export const webhooksRoutes = newRouter();
const admin = adminOps(webhooksRoutes, "admin", ["Webhooks"]);

/** An endpoint as the API shows it: the secret only once, when it is created. */
const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.enabled,
  createdAt: e.createdAt,
});

const noSuchEndpoint = problemContent("No such endpoint");
const NO_SUCH_ENDPOINT = "No such webhook endpoint";

function checkUrl(url: string | undefined, env: Env) {
  if (url === undefined) return;
  const why = outboundUrlProblem(url, env);
  if (why) throw badRequest("The webhook URL is not allowed", [{ path: "body.url", message: why }]);
}

// GET /api/v1/webhooks — list endpoints
admin(
  {
    method: "get",
    path: "/api/v1/webhooks",
    summary: "List webhook endpoints",
    responses: { 200: jsonContent(WebhookEndpointList, "Endpoints") },
  },
  async (c) => {
    const rows = await listWebhookEndpoints(getDb(c.env.DB));
    return c.json({ data: rows.map(endpointView) }, 200);
  },
);

// POST /api/v1/webhooks — add an endpoint; its signing secret is shown once
admin(
  {
    method: "post",
    path: "/api/v1/webhooks",
    summary: "Create a webhook endpoint",
    request: { body: jsonBody(CreateWebhookBody) },
    responses: {
      201: jsonContent(CreatedWebhookSchema, "The endpoint and its secret"),
      400: problemContent("Invalid"),
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    checkUrl(body.url, c.env);
    const row = await createWebhookEndpoint(getDb(c.env.DB), body, Date.now());
    return c.json({ ...endpointView(row), secret: row.secret }, 201);
  },
);

// PATCH /api/v1/webhooks/:id — change url, event types, or enable/disable
admin(
  {
    method: "patch",
    path: "/api/v1/webhooks/{id}",
    summary: "Update a webhook endpoint",
    request: { params: IdParams, body: jsonBody(UpdateWebhookBody) },
    responses: {
      200: jsonContent(WebhookEndpointSchema, "The endpoint"),
      400: problemContent("Invalid"),
      404: noSuchEndpoint,
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    checkUrl(body.url, c.env);
    const row = await updateWebhookEndpoint(getDb(c.env.DB), c.req.valid("param").id, body);
    if (!row) throw notFound(NO_SUCH_ENDPOINT);
    return c.json(endpointView(row), 200);
  },
);

// DELETE /api/v1/webhooks/:id — remove an endpoint (its delivery log stays)
admin(
  {
    method: "delete",
    path: "/api/v1/webhooks/{id}",
    summary: "Delete a webhook endpoint",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: noSuchEndpoint },
  },
  async (c) => {
    const row = await deleteWebhookEndpoint(getDb(c.env.DB), c.req.valid("param").id);
    if (!row) throw notFound(NO_SUCH_ENDPOINT);
    return c.body(null, 204);
  },
);

// POST /api/v1/webhooks/:id/test — send a `webhook.test` event to this endpoint
admin(
  {
    method: "post",
    path: "/api/v1/webhooks/{id}/test",
    summary: "Send a test event",
    request: { params: IdParams },
    responses: { 202: jsonContent(TestEventSchema, "Queued"), 404: noSuchEndpoint },
  },
  async (c) => {
    const eventId = await emitTestEvent(getDb(c.env.DB), c.req.valid("param").id);
    if (!eventId) throw notFound(NO_SUCH_ENDPOINT);
    await kickWebhooks(c.env);
    return c.json({ eventId }, 202);
  },
);

// GET /api/v1/webhooks/deliveries — the delivery log, newest first
admin(
  {
    method: "get",
    path: "/api/v1/webhooks/deliveries",
    summary: "Delivery log",
    request: { query: DeliveriesQuery },
    responses: { 200: jsonContent(page(DeliverySchema), "Deliveries") },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listDeliveries(getDb(c.env.DB), q), q.limit), 200);
  },
);
