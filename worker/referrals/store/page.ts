import { and, desc, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../../lib/db.ts";

/**
 * One keyset page of `table`, newest first (ids sort by creation): the rows below `cursor` that
 * match every filter given, `limit + 1` of them so `toPage` can tell whether more follow.
 */
export function newestFirst<T extends SQLiteTable & { id: SQLiteColumn }>(
  db: Db,
  table: T,
  q: { limit: number; cursor?: string },
  ...filters: Array<SQL | undefined>
): Promise<T["$inferSelect"][]> {
  return db
    .select()
    .from(table as SQLiteTable)
    .where(and(q.cursor ? lt(table.id, q.cursor) : undefined, ...filters))
    .orderBy(desc(table.id))
    .limit(q.limit + 1) as unknown as Promise<T["$inferSelect"][]>;
}
