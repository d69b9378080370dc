// The caller, and API keys: list, create (the key is shown once) and revoke.
import { createApiKey } from "../../lib/auth.ts";
import { getDb } from "../../lib/db.ts";
import {
  adminOps,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  toPage,
} from "../../lib/openapi.ts";
import { notFound, Problem } from "../../lib/problem.ts";
import { type ApiKey, listApiKeys, revokeApiKey } from "../../lib/store/api-keys.ts";
import { ApiKeySchema, CallerSchema, CreatedKeySchema, CreateKeyBody, IdParams } from "../schemas.ts";

export const keysRoutes = newRouter();
const read = adminOps(keysRoutes, "read", ["API keys"]);
const admin = adminOps(keysRoutes, "admin", ["API keys"]);

/** A key as the API shows it: never its hash. */
const keyView = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

// GET /api/v1/me — the key (or Access user) making the request; the console's sign-in check
read(
  {
    method: "get",
    path: "/api/v1/me",
    summary: "The caller",
    responses: { 200: jsonContent(CallerSchema, "The caller") },
  },
  (c) => {
    const p = c.get("principal");
    return c.json({ kind: p.kind, name: p.kind === "key" ? p.name : p.email, scopes: p.scopes }, 200);
  },
);

// GET /api/v1/keys — list API keys (never the keys themselves)
admin(
  {
    method: "get",
    path: "/api/v1/keys",
    summary: "List API keys",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(ApiKeySchema), "Keys, newest first") },
  },
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const p = toPage(await listApiKeys(getDb(c.env.DB), { limit, cursor }), limit);
    return c.json({ data: p.data.map(keyView), nextCursor: p.nextCursor }, 200);
  },
);

// POST /api/v1/keys — create a key; the response is the only time it is shown
admin(
  {
    method: "post",
    path: "/api/v1/keys",
    summary: "Create an API key",
    request: { body: jsonBody(CreateKeyBody) },
    responses: { 201: jsonContent(CreatedKeySchema, "The new key, shown once"), 400: problemContent("Invalid") },
  },
  async (c) => {
    const created = await createApiKey(getDb(c.env.DB), c.req.valid("json"));
    return c.json({ ...created, lastUsedAt: null, revokedAt: null }, 201);
  },
);

// DELETE /api/v1/keys/:id — revoke a key; it stops working at once
admin(
  {
    method: "delete",
    path: "/api/v1/keys/{id}",
    summary: "Revoke an API key",
    request: { params: IdParams },
    responses: { 200: jsonContent(ApiKeySchema, "The revoked key"), 404: problemContent("No such key") },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    if (principal.kind === "key" && principal.keyId === id) {
      throw new Problem(409, "conflict", "A key cannot revoke itself; use another admin key");
    }
    const row = await revokeApiKey(getDb(c.env.DB), id, Date.now());
    if (!row) throw notFound("No such API key");
    return c.json(keyView(row), 200);
  },
);
