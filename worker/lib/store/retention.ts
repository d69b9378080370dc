// What every capability's retention shares: where pruning of a table stands, and the statements that
// read the oldest rows of a table and delete exactly the rows that were archived.
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db.ts";
import type { ArchivedRow } from "../retention.ts";

/** Raw rows of `name` before this time (ms) are pruned or sealed into rollups; 0 while nothing is. */
export async function retentionBoundary(db: Db, name: string): Promise<number> {
  const [row] = await db.all<{ boundary: number }>(sql`SELECT boundary FROM retention_state WHERE name = ${name}`);
  return row?.boundary ?? 0;
}

/** Moves the boundary of `name` forward to `boundary` (never back), as a batchable statement. */
export const boundaryUpsert = (name: string, boundary: number): SQL =>
  sql`INSERT INTO retention_state (name, boundary) VALUES (${name}, ${boundary})
    ON CONFLICT (name) DO UPDATE SET boundary = max(boundary, excluded.boundary)`;

/** The rows' ids as one JSON parameter (D1 binds at most 100 values to a statement). */
export const idsJson = (rows: ArchivedRow[]) => JSON.stringify(rows.map((r) => r.id));

/** `id IN (…)` over the rows' ids, bound as one JSON parameter. */
export const idIn = (rows: ArchivedRow[], column = "id") =>
  sql`${sql.raw(column)} IN (SELECT value FROM json_each(${idsJson(rows)}))`;

/** Deletes exactly `rows` of `table` by id; the ids that went. */
export async function deleteRows(db: Db, table: string, rows: ArchivedRow[]): Promise<string[]> {
  return idsOf(await db.all<{ id: string }>(sql`DELETE FROM ${sql.raw(table)} WHERE ${idIn(rows)} RETURNING id`));
}

/** The ids of rows a statement with `RETURNING id` returned. */
export const idsOf = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

/** The oldest rows of `table` matching `where`, by `order` (an indexed column), at most `limit`. */
export async function oldestRows(db: Db, table: string, where: SQL, order: string, limit: number) {
  return db.all<ArchivedRow>(
    sql`SELECT * FROM ${sql.raw(table)} WHERE ${where} ORDER BY ${sql.raw(order)} LIMIT ${limit}`,
  );
}
