// API keys as the ingestion guard reads them (write keys are API keys with the `ingest` scope).
import { eq } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";

/** The key whose SHA-256 is `hash` (revoked or not). */
export async function findApiKey(db: Db, hash: string) {
  return db.query.apiKeys.findFirst({ where: eq(apiKeys.hash, hash) });
}
