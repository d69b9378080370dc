import { is, SQL } from "drizzle-orm";
import { SQLiteSyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { chunk, type Db } from "../lib/db.ts";

/**
 * Multi-row inserts of `rows` (all with the same keys) in chunks under D1's 100 bound
 * parameters, measured from the statement drizzle builds for one row.
 */
export function insertChunks<T extends SQLiteTable>(
  db: Db,
  table: T,
  rows: T["$inferInsert"][],
  conflict: "nothing" | "error" = "nothing",
) {
  if (!rows.length) return [];
  const perRow = Math.max(1, db.insert(table).values(rows[0]).toSQL().params.length);
  return chunk(rows, Math.max(1, Math.floor(100 / perRow))).map((part) => {
    const q = db.insert(table).values(part);
    return conflict === "nothing" ? q.onConflictDoNothing() : q;
  });
}

/** `db.batch` that accepts an empty or computed list. */
export async function runBatch(db: Db, statements: Parameters<Db["batch"]>[0][number][]) {
  if (!statements.length) return [];
  return db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

const dialect = new SQLiteSyncDialect();

/**
 * Runs raw `sql` statements and drizzle queries as one D1 batch (one transaction), returning
 * D1's results (with `meta.changes`). drizzle's own batch cannot bind parameters of raw SQL.
 */
export async function execBatch(db: Db, items: Array<SQL | { toSQL(): { sql: string; params: unknown[] } }>) {
  if (!items.length) return [];
  const statements = items.map((item) => {
    const q = is(item, SQL) ? dialect.sqlToQuery(item) : item.toSQL();
    return db.$client.prepare(q.sql).bind(...q.params);
  });
  return db.$client.batch(statements);
}
