// Guards of the routes that API keys do not open the usual way: ingestion takes a write key as
// Segment libraries send it, providers' webhooks take their own secret or signature, never an API key.
import type { Context, MiddlewareHandler } from "hono";
import { allows } from "../../lib/auth.ts";
import { sha256Hex, timingSafeEqual } from "../../lib/crypto.ts";
import { getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { Problem } from "../../lib/problem.ts";
import { signWebhook } from "../../lib/webhooks.ts";
import { findApiKey } from "../store/api-keys.ts";
import { findProviderSecret, touchProviderSecret, type WebhookProvider } from "../store/provider-secrets.ts";

const challenge = { "www-authenticate": 'Basic realm="rapport", charset="UTF-8"' };

/** User name and password of `Authorization: Basic base64(user:password)`. */
function basicCredentials(header: string): { user: string; password: string | null } | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  try {
    const decoded = atob(basic[1]);
    const colon = decoded.indexOf(":");
    return colon >= 0
      ? { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
      : { user: decoded, password: null };
  } catch {
    return null;
  }
}

/** The key from `Authorization: Basic base64(key:)` (Segment's write key) or `Bearer key`. */
function keyOf(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  return basicCredentials(header)?.user || null;
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
    const row = await findApiKey(getDb(c.env.DB), await sha256Hex(key));
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

/**
 * Provider-webhook guard: a live secret made for `provider`, as the HTTP Basic password (the user
 * name is ignored). API keys are never accepted, so a provider's dashboard holds nothing that reads data.
 */
export function requireProviderSecret(provider: WebhookProvider): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = basicCredentials(c.req.header("authorization") ?? "")?.password || null;
    const db = getDb(c.env.DB);
    const row = secret ? await findProviderSecret(db, provider, await sha256Hex(secret)) : undefined;
    if (!row || row.revokedAt) {
      const detail = row
        ? "This webhook secret was revoked"
        : `Send a ${provider} webhook secret (POST /api/v1/emails/provider-secrets) as the HTTP Basic password; API keys are not accepted here`;
      throw new Problem(401, "unauthorized", detail, {}, { "www-authenticate": `Basic realm="rapport ${provider}"` });
    }
    const now = Date.now();
    if (!row.lastUsedAt || now - row.lastUsedAt > 60_000)
      c.executionCtx.waitUntil(touchProviderSecret(db, row.id, now));
    await next();
  };
}

/** Svix-style signature (Resend): `v1,base64(HMAC(secret, id.timestamp.body))`, any of the listed. */
export async function resendSignatureOk(env: Env, headers: Headers, body: string): Promise<boolean> {
  const id = headers.get("svix-id") ?? headers.get("webhook-id");
  const ts = headers.get("svix-timestamp") ?? headers.get("webhook-timestamp");
  const sigs = (headers.get("svix-signature") ?? headers.get("webhook-signature") ?? "").split(" ");
  if (!env.RESEND_WEBHOOK_SECRET || !id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = await signWebhook(env.RESEND_WEBHOOK_SECRET, id, Number(ts), body);
  return sigs.some((s) => timingSafeEqual(s, expected));
}
