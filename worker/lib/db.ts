import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../db/schema/index.ts";

export type Db = ReturnType<typeof getDb>;

export function getDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** D1 allows 100 bound parameters per statement: rows per multi-row insert for `columns` columns. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(100 / columns));
}

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
