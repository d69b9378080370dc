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
 * Valid keys this isolate read lately, by hash, for KEY_FRESH_MS: a dashboard's or a script's calls
 * cost no D1 read each. Only finished reads are kept (no request awaits another's: workerd cancels
 * such continuations) and never a miss, so a new key works at once. A revocation holds at once in
 * the isolate that made it and within KEY_FRESH_MS in every other.
 */
const keys = new Map<string, { row: ApiKey; at: number }>();
export const KEY_FRESH_MS = 5_000;
const MAX_KEYS = 200;

/** The admin guard's lookup: the kept row while fresh, else D1's. */
export async function lookUpKey(db: Db, hash: string, now = Date.now()): Promise<ApiKey | undefined> {
  const hit = keys.get(hash);
  if (hit && now - hit.at >= 0 && now - hit.at < KEY_FRESH_MS) return hit.row;
  const row = await findApiKeyByHash(db, hash);
  keys.delete(hash);
  if (row && !row.revokedAt) {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    keys.set(hash, { row, at: now });
  }
  return row;
}

export async function markApiKeyUsed(db: Db, id: string, now: number): Promise<void> {
  // The kept row too, so the next calls do not mark it again.
  for (const { row } of keys.values()) if (row.id === id) row.lastUsedAt = now;
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
  keys.clear();
  return row;
}
