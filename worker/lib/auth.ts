import type { MiddlewareHandler } from "hono";
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { AdminScope, ApiScope } from "../../db/schema/index.ts";
import type { AppEnv, Principal } from "./env.ts";

export type { Principal };

import { sha256Hex } from "./crypto.ts";
import { type Db, getDb } from "./db.ts";
import { newId, randomString } from "./ids.ts";
import { Problem } from "./problem.ts";
import { insertApiKey, lookUpKey, markApiKeyUsed } from "./store/api-keys.ts";

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new secret `<tag>_<8 lowercase>_<32 base62>`, its recognisable prefix and the SHA-256 to store. */
export async function newCredential(tag: string) {
  const prefix = `${tag}_${randomString(8, LOWER)}`;
  const secret = `${prefix}_${randomString(32, BASE62)}`;
  return { secret, prefix, hash: await sha256Hex(secret) };
}

/** Makes a key and the row that stores it. The full key exists only in the return value. */
export async function generateApiKey(input: { name: string; scopes: ApiScope[] }, now = Date.now()) {
  const { secret: key, prefix, hash } = await newCredential("rk");
  const row = {
    id: newId("key", now),
    name: input.name,
    prefix,
    hash,
    scopes: [...new Set(input.scopes)],
    createdAt: now,
  };
  return { key, row };
}

/** Makes and stores a key. The full key is returned once; only its SHA-256 is stored. */
export async function createApiKey(db: Db, input: { name: string; scopes: ApiScope[] }, now = Date.now()) {
  const { key, row } = await generateApiKey(input, now);
  await insertApiKey(db, row);
  return { key, id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, createdAt: now };
}

/**
 * Whether `scopes` may do what needs `needed`: `admin` may do anything, `read` may read
 * anything, a capability scope may read and write its own capability. Ingestion (`ingest`) is
 * open to `ingest` and `emails` keys; an `ingest` key opens nothing else, whatever the method.
 */
export function allows(scopes: readonly ApiScope[], needed: ApiScope, method: string): boolean {
  if (scopes.includes("admin")) return true;
  if (needed === "ingest") return scopes.includes("ingest") || scopes.includes("emails");
  if (needed === "admin") return false;
  if ((method === "GET" || method === "HEAD") && scopes.includes("read")) return true;
  return needed !== "read" && scopes.includes(needed);
}

const jwksCache = new Map<string, JWTVerifyGetKey>();

function accessKeys(env: Env): JWTVerifyGetKey {
  const cacheKey = env.ACCESS_JWKS || env.ACCESS_TEAM_DOMAIN;
  let keys = jwksCache.get(cacheKey);
  if (!keys) {
    keys = env.ACCESS_JWKS
      ? createLocalJWKSet(JSON.parse(env.ACCESS_JWKS))
      : createRemoteJWKSet(new URL(`https://${env.ACCESS_TEAM_DOMAIN}/cdn-cgi/access/certs`));
    jwksCache.set(cacheKey, keys);
  }
  return keys;
}

async function principalFromAccess(env: Env, token: string): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, accessKeys(env), {
      audience: env.ACCESS_AUD,
      issuer: env.ACCESS_TEAM_DOMAIN ? `https://${env.ACCESS_TEAM_DOMAIN}` : undefined,
      algorithms: ["RS256"],
    });
    return { kind: "access", email: String(payload.email ?? payload.sub ?? "unknown"), scopes: ["admin"] };
  } catch {
    throw new Problem(401, "unauthorized", "The Cloudflare Access token is not valid");
  }
}

async function principalFromKey(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<Principal> {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new Problem(
      401,
      "unauthorized",
      "Send an API key as `Authorization: Bearer <key>`",
      {},
      {
        "www-authenticate": 'Bearer realm="rapport"',
      },
    );
  }
  const db = getDb(c.env.DB);
  const row = await lookUpKey(db, await sha256Hex(match[1]));
  if (!row || row.revokedAt) {
    throw new Problem(
      401,
      "unauthorized",
      row ? "This API key was revoked" : "Unknown API key",
      {},
      {
        "www-authenticate": 'Bearer realm="rapport", error="invalid_token"',
      },
    );
  }
  const now = Date.now();
  // Record use at most once a minute per key, off the response path.
  if (!row.lastUsedAt || now - row.lastUsedAt > 60_000) {
    c.executionCtx.waitUntil(markApiKeyUsed(db, row.id, now));
  }
  return { kind: "key", keyId: row.id, name: row.name, scopes: row.scopes };
}

/** Admin-route guard: an API key (or, when configured, a Cloudflare Access JWT) that allows `scope`. */
export function requireScope(scope: AdminScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const accessToken = c.req.header("cf-access-jwt-assertion");
    const principal =
      accessToken && c.env.ACCESS_AUD ? await principalFromAccess(c.env, accessToken) : await principalFromKey(c);
    if (!allows(principal.scopes, scope, c.req.method)) {
      throw new Problem(403, "forbidden", `This needs the \`${scope}\` scope (or \`admin\`)`, {
        requiredScope: scope,
        grantedScopes: principal.scopes,
      });
    }
    c.set("principal", principal);
    await next();
  };
}
