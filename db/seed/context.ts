import { getTableColumns } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../../worker/lib/db.ts";

/** What every capability's seed gets: the database, a fixed clock and a deterministic RNG. */
export type SeedContext = {
  db: Db;
  /** Midnight UTC today: seeded history ends here, so the demo always looks current. */
  now: number;
  rng: () => number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Inserts rows in chunks that respect D1's 100-parameter limit, with a progress bar. */
  insertMany<T extends SQLiteTable>(table: T, rows: T["$inferInsert"][], label?: string): Promise<void>;
  log(message: string): void;
};

export const DAY = 86_400_000;
/** The batch id of seeded events: the emails seed computes the per-contact aggregates of its rows. */
export const SEED_EVENT_BATCH = "ib_seed";

/** mulberry32: small, fast, deterministic. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function progressBar(label: string, total: number) {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done: number) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct === last) return;
    last = pct;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const line = `  ${label.padEnd(28)} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(pct).padStart(3)}% (${done}/${total})`;
    if (tty) process.stderr.write(`\r${line}${done >= total ? "\n" : ""}`);
    else if (done >= total) process.stderr.write(`${line}\n`);
  };
}

export function makeContext(db: Db, seed: number, now: number): SeedContext {
  const rng = seededRng(seed);
  return {
    db,
    now,
    rng,
    int: (min, max) => min + Math.floor(rng() * (max - min + 1)),
    pick: (items) => items[Math.floor(rng() * items.length)],
    async insertMany(table, rows, label) {
      if (!rows.length) return;
      const columns = Object.keys(getTableColumns(table)).length;
      const per = Math.max(1, Math.floor(100 / columns));
      const bar = progressBar(label ?? "rows", rows.length);
      const statements = [];
      for (let i = 0; i < rows.length; i += per) statements.push(db.insert(table).values(rows.slice(i, i + per)));
      // Several statements per round trip; each batch is one transaction.
      for (let i = 0; i < statements.length; i += 50) {
        const part = statements.slice(i, i + 50);
        await db.batch(part as [(typeof part)[number], ...typeof part]);
        bar(Math.min(rows.length, (i + part.length) * per));
      }
    },
    log: (message) => process.stderr.write(`  ${message}\n`),
  };
}
