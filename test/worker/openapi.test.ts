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
    // A capability scope that matches no admin route of another capability.
    const wrongScope = await newKey(["kpis"]);

    const ops = Object.entries(d.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.security?.some((s) => Object.hasOwn(s as object, "apiKey")))
        .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "x"), op })),
    );
    expect(ops.length).toBeGreaterThan(5);
    for (const { method, path, op } of ops) {
      const label = `${method} ${path}`;
      expect((await call(path, { method })).status, `${label} without key`).toBe(401);
      expect((await call(path, { method, key: "rk_nope_nope" })).status, `${label} unknown key`).toBe(401);
      expect((await call(path, { method, key: revoked })).status, `${label} revoked key`).toBe(401);
      if (!op.description?.includes("`kpis` scope")) {
        expect((await call(path, { method, key: wrongScope })).status, `${label} wrong scope`).toBe(403);
      }
    }
  });
});
