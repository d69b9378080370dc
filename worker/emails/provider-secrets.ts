// Secrets made for email providers' webhooks: each opens its provider's webhook and nothing else.
import { and, desc, eq, sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { emailProviderSecrets, type WEBHOOK_PROVIDERS } from "../../db/schema/index.ts";
import { newCredential } from "../lib/auth.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { type Db, getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { newId } from "../lib/ids.ts";
import { notFound, Problem } from "../lib/problem.ts";

export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
type Row = typeof emailProviderSecrets.$inferSelect;

/** A secret as the API shows it: never the secret nor its hash. */
export const providerSecretView = ({ hash: _, ...view }: Row) => view;

/** The URL to paste into the provider: the secret is the HTTP Basic password (Postmark takes it in the URL). */
export function providerWebhookUrl(publicUrl: string, provider: WebhookProvider, secret: string): string {
  const url = new URL(`/v1/webhooks/${provider}`, publicUrl);
  url.username = provider;
  url.password = secret;
  return url.href;
}

/** Makes and stores a secret. The secret is returned once; only its SHA-256 is stored. */
export async function createProviderSecret(db: Db, input: { provider: WebhookProvider; name: string }, now: number) {
  const { secret, prefix, hash } = await newCredential("rps");
  const [row] = await db
    .insert(emailProviderSecrets)
    .values({ id: newId("eps", now), ...input, prefix, hash, createdAt: now })
    .returning();
  return { row, secret };
}

export async function listProviderSecrets(db: Db) {
  return db.select().from(emailProviderSecrets).orderBy(desc(emailProviderSecrets.id));
}

/** Revokes a secret at once; revoking it again keeps the first time. */
export async function revokeProviderSecret(db: Db, id: string, now: number) {
  const [row] = await db
    .update(emailProviderSecrets)
    .set({ revokedAt: sql`coalesce(${emailProviderSecrets.revokedAt}, ${now})` })
    .where(eq(emailProviderSecrets.id, id))
    .returning();
  if (!row) throw notFound("No such provider secret");
  return row;
}

/** The password of `Authorization: Basic base64(user:password)`. */
function basicPassword(header: string): string | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  try {
    const decoded = atob(basic[1]);
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) || null : null;
  } catch {
    return null;
  }
}

/**
 * Provider-webhook guard: a live secret made for `provider`, as the HTTP Basic password (the user
 * name is ignored). API keys are never accepted, so a provider's dashboard holds nothing that reads data.
 */
export function requireProviderSecret(provider: WebhookProvider): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = basicPassword(c.req.header("authorization") ?? "");
    const db = getDb(c.env.DB);
    const row = secret
      ? await db.query.emailProviderSecrets.findFirst({
          where: and(
            eq(emailProviderSecrets.hash, await sha256Hex(secret)),
            eq(emailProviderSecrets.provider, provider),
          ),
        })
      : undefined;
    if (!row || row.revokedAt) {
      const detail = row
        ? "This webhook secret was revoked"
        : `Send a ${provider} webhook secret (POST /api/v1/emails/provider-secrets) as the HTTP Basic password; API keys are not accepted here`;
      throw new Problem(401, "unauthorized", detail, {}, { "www-authenticate": `Basic realm="rapport ${provider}"` });
    }
    const now = Date.now();
    if (!row.lastUsedAt || now - row.lastUsedAt > 60_000) {
      const touch = db.update(emailProviderSecrets).set({ lastUsedAt: now }).where(eq(emailProviderSecrets.id, row.id));
      c.executionCtx.waitUntil(touch.then(() => {}));
    }
    await next();
  };
}
