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

/** Key lookups in flight in this isolate, by hash. */
const lookups = new Map<string, Promise<ApiKey | undefined>>();

/**
 * The admin guard's lookup: read from D1 for every request, except that requests arriving while a read
 * of the same key is under way share it, so a dashboard's or a script's burst of calls costs one read
 * per D1 round trip, not one each. A revocation counts for every request that arrives after it (in
 * another isolate, after the read under way then, at most one round trip later).
 */
export function lookUpKey(db: Db, hash: string): Promise<ApiKey | undefined> {
  let lookup = lookups.get(hash);
  if (!lookup) {
    lookup = findApiKeyByHash(db, hash).finally(() => {
      if (lookups.get(hash) === lookup) lookups.delete(hash);
    });
    lookups.set(hash, lookup);
  }
  return lookup;
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
  // Requests from now on read the key afresh rather than join a read made before the revocation.
  lookups.clear();
  return row;
}
