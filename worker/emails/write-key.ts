import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { apiKeys } from "../../db/schema/index.ts";
import { allows } from "../lib/auth.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { Problem } from "../lib/problem.ts";

const challenge = { "www-authenticate": 'Basic realm="rapport", charset="UTF-8"' };

/** The key from `Authorization: Basic base64(key:)` (Segment's write key) or `Bearer key`. */
function keyOf(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  try {
    return atob(basic[1]).split(":")[0] || null;
  } catch {
    return null;
  }
}

/** The key from the Authorization header, else the body's `writeKey` (where analytics.js puts it). */
async function writeKeyOf(c: Context<AppEnv>): Promise<string | null> {
  const fromHeader = keyOf(c.req.header("authorization") ?? "");
  if (fromHeader) return fromHeader;
  const body: unknown = await c.req.json().catch(() => null);
  const key = body && typeof body === "object" ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof key === "string" && key ? key : null;
}

/** Ingestion guard: an API key allowed `ingest` (an `ingest`, `emails` or `admin` key), sent the way Segment libraries send it. */
export function requireWriteKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = await writeKeyOf(c);
    if (!key)
      throw new Problem(401, "unauthorized", "Send the write key as HTTP Basic username or Bearer", {}, challenge);
    const row = await getDb(c.env.DB).query.apiKeys.findFirst({ where: eq(apiKeys.hash, await sha256Hex(key)) });
    if (!row || row.revokedAt) {
      throw new Problem(401, "unauthorized", row ? "This API key was revoked" : "Unknown API key", {}, challenge);
    }
    if (!allows(row.scopes, "ingest", "POST")) {
      throw new Problem(403, "forbidden", "This needs the `ingest` scope (or `emails` or `admin`)", {
        requiredScope: "ingest",
        grantedScopes: row.scopes,
      });
    }
    c.set("principal", { kind: "key", keyId: row.id, name: row.name, scopes: row.scopes });
    await next();
  };
}
