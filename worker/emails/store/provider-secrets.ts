// Secrets made for email providers' webhooks: each opens its provider's webhook and nothing else.
import { and, desc, eq, sql } from "drizzle-orm";
import { emailProviderSecrets, type WEBHOOK_PROVIDERS } from "../../../db/schema/index.ts";
import { newCredential } from "../../lib/auth.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";

export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

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

/** The secret of `provider` whose SHA-256 is `hash` (revoked or not). */
export async function findProviderSecret(db: Db, provider: WebhookProvider, hash: string) {
  return db.query.emailProviderSecrets.findFirst({
    where: and(eq(emailProviderSecrets.hash, hash), eq(emailProviderSecrets.provider, provider)),
  });
}

export async function touchProviderSecret(db: Db, id: string, now: number) {
  await db.update(emailProviderSecrets).set({ lastUsedAt: now }).where(eq(emailProviderSecrets.id, id));
}
