import type { RouteConfig } from "@hono/zod-openapi";
import { getDb } from "../lib/db.ts";
import { createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../lib/openapi.ts";
import { registerAdminRoutes } from "./admin-routes.ts";
import { registerContactRoutes } from "./contacts-routes.ts";
import { ingest } from "./ingest.ts";
import { registerProviderWebhooks } from "./provider-webhooks.ts";
import { registerPublicRoutes } from "./public-routes.ts";
import { BatchBody, IdentifyCall, IngestResult, TrackCall } from "./schemas.ts";
import { requireWriteKey } from "./write-key.ts";

export const emailsRoutes = newRouter();

emailsRoutes.openAPIRegistry.registerComponent("securitySchemes", "writeKey", {
  type: "http",
  scheme: "basic",
  description:
    "Segment-style write key: an API key with the `ingest` scope as the Basic username. An `ingest` key only sends events, so it is the one to embed in a web page or a Segment/RudderStack source; `emails` and `admin` keys also work but read data: keep them server-side.",
});

/** Ingestion routes: Segment's auth (Basic write key, or Bearer), documented like admin routes. */
const ingestBase = {
  method: "post" as const,
  tags: ["emails: events"],
  description:
    "Segment HTTP Tracking API compatible. Requires an API key with the `ingest` scope (or `emails` or `admin`, which must stay server-side), as HTTP Basic username (Segment's write key) or Bearer.",
  security: [{ apiKey: [] as string[] }, { writeKey: [] as string[] }] as Array<Record<string, string[]>>,
  middleware: [requireWriteKey()] as RouteConfig["middleware"],
  responses: {
    200: jsonContent(IngestResult, "Written (duplicates by messageId are ignored)"),
    400: problemContent("Not a valid call"),
    401: problemContent("Missing, unknown or revoked write key"),
    403: problemContent("The key lacks the `ingest` scope"),
  },
};

// POST /v1/track — one event
emailsRoutes.openapi(
  createRoute({ ...ingestBase, path: "/v1/track", summary: "Track an event", request: { body: jsonBody(TrackCall) } }),
  async (c) => {
    const call = c.req.valid("json");
    const out = await ingest(getDb(c.env.DB), [{ ...call, type: "track" }], undefined);
    return c.json({ success: true as const, ...out }, 200);
  },
);

// POST /v1/identify — traits, timezone and consent of a contact
emailsRoutes.openapi(
  createRoute({
    ...ingestBase,
    path: "/v1/identify",
    summary: "Identify a contact",
    request: { body: jsonBody(IdentifyCall) },
  }),
  async (c) => {
    const call = c.req.valid("json");
    const out = await ingest(getDb(c.env.DB), [{ ...call, type: "identify" }], undefined);
    return c.json({ success: true as const, ...out }, 200);
  },
);

for (const path of ["/v1/batch", "/api/v1/events"]) {
  // POST /v1/batch and /api/v1/events — up to 500 calls in one request
  emailsRoutes.openapi(
    createRoute({
      ...ingestBase,
      path,
      summary: "Send a batch of calls (up to 500)",
      request: { body: jsonBody(BatchBody) },
    }),
    async (c) => {
      const { batch, context } = c.req.valid("json");
      const out = await ingest(getDb(c.env.DB), batch, context);
      return c.json({ success: true as const, ...out }, 200);
    },
  );
}

registerAdminRoutes(emailsRoutes);
registerContactRoutes(emailsRoutes);
registerPublicRoutes(emailsRoutes);
registerProviderWebhooks(emailsRoutes);
