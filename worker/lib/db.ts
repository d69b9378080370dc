// The one toolkit for D1: the database handle, statements and batches, and chunking under D1's limits.
import { is, SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "../../db/schema/index.ts";

export type Db = ReturnType<typeof getDb>;

/** A drizzle statement that can go into `db.batch()`: build a list, then run it with `runBatch`. */
export type Statement = BatchItem<"sqlite">;

export function getDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** D1 allows 100 bound parameters per statement: rows per multi-row insert for `columns` columns. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(100 / columns));
}

/**
 * Items per `IN (…)` list: D1 binds at most 100 parameters per statement, and the rest of the
 * statement binds a few of its own.
 */
export const IN_LIST_MAX = 90;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Consecutive groups whose summed `sizeOf` stays within `max` (an item larger than `max` goes alone). */
export function chunkBySize<T>(items: T[], sizeOf: (item: T) => number, max: number): T[][] {
  const out: T[][] = [];
  let total = Number.POSITIVE_INFINITY;
  for (const item of items) {
    const size = sizeOf(item);
    if (total + size > max) {
      out.push([]);
      total = 0;
    }
    out[out.length - 1].push(item);
    total += size;
  }
  return out;
}

/**
 * The fields of a partial update that carry a value, or null when none does. An empty PATCH
 * changes nothing (not even `updatedAt`), and drizzle refuses an UPDATE with nothing to set.
 */
export function changesOf<T extends object>(patch: T): Partial<T> | null {
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
  return Object.keys(set).length ? set : null;
}

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

/** Runs `statements` as one D1 batch (one transaction); an empty list runs nothing. */
export async function runBatch(db: Db, statements: Statement[]) {
  if (!statements.length) return [];
  return db.batch(statements as [Statement, ...Statement[]]);
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

/** The incoming row's value in an upsert's update set (`excluded.<column>`). */
export const excluded = (column: string) => sql.raw(`excluded.${column}`);
