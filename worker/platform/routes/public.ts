// What anyone may reach: the no-op, health, and who an identity token names.
import journal from "../../../db/migrations/meta/_journal.json";
import pkg from "../../../package.json";
import { getDb } from "../../lib/db.ts";
import { requireVisitor } from "../../lib/identity.ts";
import { createRoute, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { healthReport } from "../health.ts";
import { HealthSchema, PingSchema, VisitorSchema } from "../schemas.ts";
import { appliedMigrations } from "../store/migrations.ts";

export const publicRoutes = newRouter();

// GET /api/v1/ping — does nothing: the baseline every benchmark is measured against
publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/ping",
    tags: ["Platform"],
    summary: "No-op (benchmark baseline)",
    responses: { 200: jsonContent(PingSchema, "Always ok") },
  }),
  (c) => c.json({ ok: true as const }, 200),
);

// GET /api/v1/health — version, migrations applied, database reachable
publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/health",
    tags: ["Platform"],
    summary: "Health",
    responses: { 200: jsonContent(HealthSchema, "Health"), 503: jsonContent(HealthSchema, "Degraded") },
  }),
  async (c) => {
    const known = journal.entries.map((e) => e.tag);
    const body = healthReport(known, await appliedMigrations(getDb(c.env.DB)), pkg.version, Date.now());
    return body.status === "ok" ? c.json(body, 200) : c.json(body, 503);
  },
);

// GET /api/v1/identity — who the visitor's identity token names (for host apps wiring up SSO)
publicRoutes.openapi(
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
