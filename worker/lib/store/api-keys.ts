// Every query of the api_keys table: the admin guard's lookup, the keys API and `npm run key`.
import { desc, eq, lt } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import type { Db } from "../db.ts";

export type ApiKey = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Db, row: typeof apiKeys.$inferInsert): Promise<void> {
  await db.insert(apiKeys).values(row);
}

/** The key whose SHA-256 is `hash`, revoked or not. */
export async function findApiKeyByHash(db: Db, hash: string): Promise<ApiKey | undefined> {
  return db.query.apiKeys.findFirst({ where: eq(apiKeys.hash, hash) });
}

/**
 * The admin guard's lookup, read from D1 for every request. Not shared between requests: workerd
 * cancels a request's continuation when another request's I/O settles the promise it awaits.
 */
export function lookUpKey(db: Db, hash: string): Promise<ApiKey | undefined> {
  return findApiKeyByHash(db, hash);
}

export async function markApiKeyUsed(db: Db, id: string, now: number): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}

/** Keys newest first; with `page`, `limit + 1` of them before the id `cursor`. */
export async function listApiKeys(db: Db, page?: { limit: number; cursor?: string }): Promise<ApiKey[]> {
  const q = db
    .select()
    .from(apiKeys)
    .where(page?.cursor ? lt(apiKeys.id, page.cursor) : undefined)
    .orderBy(desc(apiKeys.id));
  return page ? q.limit(page.limit + 1) : q;
}

/** Revokes the key `id`; undefined when there is none. */
export async function revokeApiKey(db: Db, id: string, now: number): Promise<ApiKey | undefined> {
  const [row] = await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)).returning();
  return row;
}
