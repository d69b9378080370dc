// Dead letters: queue messages no handler could take, kept for people to look at.
import { desc, lt } from "drizzle-orm";
import { deadLetters } from "../../../db/schema/index.ts";
import { type Db, insertChunks, runBatch } from "../../lib/db.ts";

export type DeadLetter = typeof deadLetters.$inferSelect;

/** Stores `rows` once each (a message delivered twice keeps its first row), in one batch. */
export async function insertDeadLetters(db: Db, rows: DeadLetter[]): Promise<void> {
  await runBatch(db, insertChunks(db, deadLetters, rows));
}

/** Dead letters newest first: `limit + 1` of them before the id `cursor`. */
export async function listDeadLetters(db: Db, page: { limit: number; cursor?: string }): Promise<DeadLetter[]> {
  return db
    .select()
    .from(deadLetters)
    .where(page.cursor ? lt(deadLetters.id, page.cursor) : undefined)
    .orderBy(desc(deadLetters.id))
    .limit(page.limit + 1);
}
