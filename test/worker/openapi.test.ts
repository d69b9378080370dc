import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";
import { call, newKey } from "./helpers.ts";

type Doc = { paths: Record<string, Record<string, { security?: unknown[]; description?: string }>> };

/** Routes that are not API operations: the document itself, its page, the console's static files. */
const UNDOCUMENTED = new Set([
  "GET /api/v1/openapi.json",
  "GET /api/v1/docs",
  "GET /console",
  "GET /console/*",
  "GET /",
  "GET /r/:code",
  "HEAD /r/:code",
  "GET /r/:code/rewards",
  // feedback: public HTML pages, Atom feeds, and the no-JavaScript forms that redirect back to them
  "GET /roadmap",
  "GET /roadmap/feed.atom",
  "GET /roadmap/digest/:month",
  "GET /feedback/:board/feed.atom",
  "GET /feedback/:board",
  "GET /feedback/:board/:post",
  "POST /feedback/:board/posts",
  "POST /feedback/:board/:post/vote",
  "POST /feedback/:board/:post/comments",
  "GET /status/:page",
  "GET /status/:page/history",
  "GET /status/:page/incidents/:id",
  "GET /nps/:survey/:score",
  "POST /nps/:survey",
  "GET /feedback.js",
  "POST /status/:page/subscribe",
  "GET /status/:page/confirm/:token",
  "POST /status/:page/confirm/:token",
  "GET /status/:page/unsubscribe/:token",
  "POST /status/:page/unsubscribe/:token",
  // emails: pages and the click redirect reached from inside an email
  "GET /e/u/:id/:sig",
  "GET /e/p/:id/:sig",
  "GET /e/c/:id/:sig",
]);

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");

async function doc(): Promise<Doc> {
  const res = await call("/api/v1/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

describe("OpenAPI", () => {
  it("documents every route the app serves", async () => {
    const d = await doc();
    const routes = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    const missing = [...new Set(routes)].filter((r) => {
      if (UNDOCUMENTED.has(r)) return false;
      const [method, path] = r.split(" ");
      return !d.paths[toOpenApiPath(path)]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it("every admin operation refuses a missing, unknown, revoked or wrong-scope key", async () => {
    const d = await doc();
    const admin = await newKey(["admin"]);
    const revoked = await newKey(["admin"]);
    const keys = (await (await call("/api/v1/keys?limit=200", { key: admin })).json()) as {
      data: Array<{ id: string; prefix: string }>;
    };
    const revokedId = keys.data.find((k) => revoked.startsWith(k.prefix))?.id;
    expect((await call(`/api/v1/keys/${revokedId}`, { method: "DELETE", key: admin })).status).toBe(200);
    // Ingestion's scope opens no admin route: every operation must refuse it before doing anything (a
    // capability's own scope would run its routes here, with their jobs slowing the rest of the file).
    const wrongScope = await newKey(["ingest"]);

    const ops = Object.entries(d.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.security?.some((s) => Object.hasOwn(s as object, "apiKey")))
        .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "x"), op })),
    );
    expect(ops.length).toBeGreaterThan(5);
    // Every capability adds operations: each with its four refusals.
    for (const { method, path, op } of ops) {
      const label = `${method} ${path}`;
      const [none, unknown, gone, wrong] = await Promise.all([
        call(path, { method }),
        call(path, { method, key: "rk_nope_nope" }),
        call(path, { method, key: revoked }),
        call(path, { method, key: wrongScope }),
      ]);
      expect(none.status, `${label} without key`).toBe(401);
      expect(unknown.status, `${label} unknown key`).toBe(401);
      expect(gone.status, `${label} revoked key`).toBe(401);
      // Every admin operation refuses it (ingestion's own routes take it).
      if (op.description?.includes("Requires the `")) expect(wrong.status, `${label} wrong scope`).toBe(403);
    }
  }, 120_000);
});
