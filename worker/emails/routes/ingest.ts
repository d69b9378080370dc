// The Segment HTTP Tracking API: track, identify, page, screen, group, alias and batch, at Segment's
// paths and analytics.js's short ones, authenticated by a write key.
import type { RouteConfig } from "@hono/zod-openapi";
import { getDb } from "../../lib/db.ts";
import { createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { ingest } from "../ingest.ts";
import {
  AliasCall,
  type AnyCallT,
  BatchBody,
  GroupCall,
  IdentifyCall,
  IngestResult,
  PageCall,
  ScreenCall,
  TelemetryAnswer,
  TrackCall,
} from "../schemas.ts";
import { requireWriteKey } from "./guards.ts";
import { segmentBody } from "./segment-body.ts";

export const ingestRoutes = newRouter();

ingestRoutes.openAPIRegistry.registerComponent("securitySchemes", "writeKey", {
  type: "http",
  scheme: "basic",
  description:
    "Segment-style write key: an API key with the `ingest` scope as the Basic username (or the body's `writeKey`). An `ingest` key only sends events, so it is the one to embed in a web page or a Segment/RudderStack source; `emails` and `admin` keys also work but read data: keep them server-side.",
});

/** Ingestion routes: Segment's auth (Basic write key, Bearer, or `writeKey` in the body) and bodies. */
const ingestBase = {
  method: "post" as const,
  tags: ["emails: events"],
  description:
    "Segment HTTP Tracking API compatible. Requires an API key with the `ingest` scope (or `emails` or `admin`, which must stay server-side), as HTTP Basic username (Segment's write key), Bearer, or the body's `writeKey`. The body is JSON whatever its Content-Type label, optionally `Content-Encoding: gzip` (at most 1 MiB decompressed). Any origin may call it from a browser (CORS).",
  security: [{ apiKey: [] as string[] }, { writeKey: [] as string[] }] as Array<Record<string, string[]>>,
  middleware: [segmentBody(), requireWriteKey()] as RouteConfig["middleware"],
  responses: {
    200: jsonContent(IngestResult, "Written (duplicates by messageId are ignored)"),
    400: problemContent("Not a valid call, or not JSON"),
    401: problemContent("Missing, unknown or revoked write key"),
    403: problemContent("The key lacks the `ingest` scope"),
    413: problemContent("The body is over 1 MiB (decompressed)"),
    415: problemContent("A Content-Encoding other than gzip"),
  },
};

const single = [
  { type: "track", path: "/v1/track", short: "/v1/t", body: TrackCall, summary: "Track an event" },
  {
    type: "identify",
    path: "/v1/identify",
    short: "/v1/i",
    body: IdentifyCall,
    summary: "Identify a contact (traits, timezone, consent)",
  },
  { type: "page", path: "/v1/page", short: "/v1/p", body: PageCall, summary: "A page view (event `page_viewed`)" },
  {
    type: "screen",
    path: "/v1/screen",
    short: "/v1/s",
    body: ScreenCall,
    summary: "A screen view (event `screen_viewed`)",
  },
  {
    type: "group",
    path: "/v1/group",
    short: "/v1/g",
    body: GroupCall,
    summary: "Put a contact in an account (groupId) and merge the account's traits",
  },
  {
    type: "alias",
    path: "/v1/alias",
    short: "/v1/a",
    body: AliasCall,
    summary: "Merge an anonymous visitor (previousId) into a user (userId)",
  },
] as const;

for (const { type, path, short, body, summary } of single) {
  for (const p of [path, short]) {
    // POST /v1/<type> — one call; /v1/<first letter> is where analytics.js sends it
    ingestRoutes.openapi(
      createRoute({
        ...ingestBase,
        path: p,
        summary: p === short ? `${summary} (analytics.js path)` : summary,
        request: { body: jsonBody(body) },
      }),
      async (c) => {
        const call = { ...(c.req.valid("json") as object), type } as AnyCallT;
        const out = await ingest(getDb(c.env.DB), [call]);
        return c.json({ success: true as const, ...out }, 200);
      },
    );
  }
}

for (const path of ["/v1/batch", "/v1/b", "/api/v1/events"]) {
  // POST /v1/batch, /v1/b (analytics.js) and /api/v1/events — up to 500 calls in one request
  ingestRoutes.openapi(
    createRoute({
      ...ingestBase,
      path,
      summary: `Send a batch of calls (up to 500)${path === "/v1/b" ? " (analytics.js path)" : ""}`,
      request: { body: jsonBody(BatchBody) },
    }),
    async (c) => {
      const { batch, context, sentAt } = c.req.valid("json");
      const out = await ingest(getDb(c.env.DB), batch, { context, sentAt });
      return c.json({ success: true as const, ...out }, 200);
    },
  );
}

// POST /v1/m — analytics.js's own telemetry: answered and dropped, so the library runs unchanged
ingestRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/m",
    tags: ["emails: events"],
    summary: "Analytics.js telemetry (dropped)",
    description:
      "Analytics.js 2.0 reports its own metrics to `<apiHost>/m`. Rapport keeps none of it; no key is needed.",
    responses: { 200: jsonContent(TelemetryAnswer, "Dropped") },
  }),
  (c) => c.json({ success: true as const }, 200),
);
