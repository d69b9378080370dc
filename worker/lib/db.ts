// The one toolkit for D1: the database handle, statements and batches, and chunking under D1's limits.
import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  is,
  type RelationalSchemaConfig,
  SQL,
  type SQLWrapper,
  sql,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { DrizzleD1Database, SQLiteD1Session } from "drizzle-orm/d1";
import { SQLiteAsyncDialect, SQLiteSyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "../../db/schema/index.ts";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

/** A drizzle statement that can go into `db.batch()`: build a list, then run it with `runBatch`. */
export type Statement = BatchItem<"sqlite">;

/** One handle per binding and isolate: the binding outlives requests, a handle keeps no request state. */
const handles = new WeakMap<D1Database, Db>();

export function getDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) {
    db = handle(d1);
    handles.set(d1, db);
  }
  return db;
}

/** The same handle on a D1 session (the Sessions API; worker/lib/d1-session.ts opens them for visitors). */
export function getSessionDb(session: D1DatabaseSession): Db {
  // A session runs prepared statements and batches like the database itself: all drizzle uses.
  return handle(session as unknown as D1Database);
}

/**
 * drizzle's map of the schema's tables and relations, worked out once per isolate: it is most of what
 * `drizzle(d1, { schema })` costs, and every request makes a handle or two.
 */
let relational: RelationalSchemaConfig<ExtractTablesWithRelations<typeof schema>> | undefined;

/** What `drizzle(d1, { schema })` returns (drizzle-orm/d1's driver), on the relational map made once. */
function handle(d1: D1Database): Db {
  if (!relational) {
    const { tables, tableNamesMap } = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    relational = { fullSchema: schema, schema: tables as ExtractTablesWithRelations<typeof schema>, tableNamesMap };
  }
  const dialect = new SQLiteAsyncDialect();
  const session = new SQLiteD1Session<typeof schema, ExtractTablesWithRelations<typeof schema>>(
    d1,
    dialect,
    relational,
    {},
  );
  return Object.assign(new DrizzleD1Database<typeof schema>("async", dialect, session, relational), { $client: d1 });
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

/**
 * `column IN (…values)` with the list bound as one JSON parameter (`json_each`): any length
 * takes one of D1's 100 bound parameters. An empty list matches nothing, as `inArray` does.
 */
export const inJson = (column: SQLWrapper, values: readonly (string | number | boolean)[]): SQL =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

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

/** A statement as SQL text and its parameters (what drizzle's `toSQL()` gives), for `primaryBatch`. */
export type Query = { sql: string; params: unknown[] };

/** What one request's statements came to: D1's results and the bookmark after the batch that ran them. */
export type BatchOutcome = { results: D1Result[]; bookmark: string | null };
/** A request waiting for the next shared batch: the leader takes it, then fills in `out` or hands it `lead`. */
type Waiter = { statements: Query[]; taken?: true; out?: BatchOutcome | "alone" | { failed: unknown }; lead?: true };

/**
 * At most this many statements in one shared batch (about a dozen votes with their activity), far
 * under the 1,000 queries a Worker invocation may make (Workers Paid). Measured in the bench: 45
 * (five votes) gave 0.27x the no-op, 120 gave 0.39x; one vote a batch 0.21x.
 */
const GROUP_STATEMENTS = 120;
/** How often a waiting request looks whether its batch ran (its own timer: see `primaryBatch`). */
const POLL_MS = 1;
/** A request still queued after this runs alone; a leader silent this long is replaced. */
const STUCK_MS = 10_000;
/** Since when the current leader has run its group (0: no batch running). */
let leading = 0;
const waiting: Waiter[] = [];

/**
 * Runs `statements` in one D1 batch on a session at the primary, together with the statements other
 * requests of this isolate send while a batch is running (group commit: local D1 pays most of a write
 * in the round trip and the commit, so one batch for a dozen votes costs little more than for one).
 * Each request's statements run whole and in order, after the earlier requests' ones, as if alone.
 * Answers with D1's results (rows under their column names, `meta.changes`) and the bookmark after.
 *
 * No promise crosses requests (workerd cancels or refuses continuations settled from another
 * request): the first request of a group runs it in its own context and writes each waiter's results
 * into plain data, and a waiting request looks for them on its own timer, taking over as leader when
 * handed the next group. When SQLite refuses a statement of a shared batch, each request's statements
 * run again alone: one bad write fails only its own request. `keepAlive` (the request's waitUntil) lets a leader finish
 * its group should its own visitor leave.
 */
export async function primaryBatch(
  d1: D1Database,
  statements: Query[],
  keepAlive: (work: Promise<unknown>) => void = () => {},
): Promise<BatchOutcome> {
  if (!leading || Date.now() - leading > STUCK_MS) return lead(d1, statements, keepAlive);
  const me: Waiter = { statements };
  waiting.push(me);
  const since = Date.now();
  while (!me.out && !me.lead) {
    if (!me.taken && Date.now() - since > STUCK_MS) {
      // Never sent: safe to run alone.
      waiting.splice(waiting.indexOf(me), 1);
      return runAlone(d1, statements);
    }
    if (Date.now() - since > 3 * STUCK_MS) throw new Error("The shared write batch did not answer");
    await scheduler.wait(POLL_MS);
  }
  if (me.lead) return lead(d1, statements, keepAlive);
  if (me.out && typeof me.out === "object" && "failed" in me.out) throw me.out.failed;
  return me.out === "alone" || !me.out ? runAlone(d1, statements) : me.out;
}

/** Runs this request's statements with those of the requests waiting, then hands on to the next group. */
function lead(d1: D1Database, own: Query[], keepAlive: (work: Promise<unknown>) => void) {
  leading = Date.now();
  const group: Waiter[] = [];
  let size = own.length;
  while (waiting.length && size + waiting[0].statements.length <= GROUP_STATEMENTS) {
    const next = waiting.shift() as Waiter;
    next.taken = true;
    size += next.statements.length;
    group.push(next);
  }
  const work = runGroup(d1, own, group).finally(() => {
    const next = waiting.shift();
    if (next) {
      next.taken = true;
      next.lead = true;
      leading = Date.now();
    } else leading = 0;
  });
  keepAlive(work);
  return work;
}

async function runGroup(d1: D1Database, own: Query[], group: Waiter[]): Promise<BatchOutcome> {
  if (!group.length) return runAlone(d1, own);
  const session = d1.withSession("first-primary");
  const all = [own, ...group.map((w) => w.statements)].flat();
  let results: D1Result[];
  try {
    results = await session.batch(all.map((q) => session.prepare(q.sql).bind(...q.params)));
  } catch (error) {
    // A statement refused by SQLite rolled the whole batch back: each request runs again alone. Any
    // other failure may have come after the commit, and a rerun could count a vote twice: all fail.
    const refused = /SQLITE_|constraint failed/i.test(String((error as Error)?.message ?? error));
    for (const w of group) w.out = refused ? "alone" : { failed: error };
    if (refused) return runAlone(d1, own);
    throw error;
  }
  const bookmark = session.getBookmark();
  let at = own.length;
  for (const w of group) {
    w.out = { results: results.slice(at, at + w.statements.length), bookmark };
    at += w.statements.length;
  }
  return { results: results.slice(0, own.length), bookmark };
}

async function runAlone(d1: D1Database, statements: Query[]): Promise<BatchOutcome> {
  const session = d1.withSession("first-primary");
  const results = await session.batch(statements.map((q) => session.prepare(q.sql).bind(...q.params)));
  return { results, bookmark: session.getBookmark() };
}

const dialect = new SQLiteSyncDialect();

/** `query`'s SQL text and parameters (placeholders left for `fillPlaceholders`): for SQL built once per isolate. */
export const toQuery = (query: SQL): Query => dialect.sqlToQuery(query);

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

/**
 * Raw `sql` as an item of a drizzle batch (`runBatch`, `primaryBatch`) or of `execBatch`: drizzle's own
 * `db.run(sql)` carries no prepared statement, so a D1 batch could not bind its parameters.
 */
export function rawStatement(db: Db, query: SQL): Statement & { toSQL(): { sql: string; params: unknown[] } } {
  const built = dialect.sqlToQuery(query);
  return Object.assign(db.run(query), { stmt: db.$client.prepare(built.sql), toSQL: () => built });
}
