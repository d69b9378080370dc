// Visitors' reads through the D1 Sessions API. Where the deployment enables read replication, a
// replica near the visitor answers them; a visitor's own write comes back to them through a bookmark
// (cookie and header), so their next read starts at least where that write left the database.
// Admin routes, cron and queues keep the primary (getDb).
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { hmacSha256, timingSafeEqual, toBase64 } from "./crypto.ts";
import { type Db, getDb, getSessionDb, primaryBatch, type Query } from "./db.ts";
import type { AppEnv, D1Session } from "./env.ts";

export const BOOKMARK_COOKIE = "rapport_d1";
export const BOOKMARK_HEADER = "x-d1-bookmark";
/** Far longer than replicas lag: after it, every replica has the write anyway. */
const BOOKMARK_MAX_AGE_S = 600;
/** D1's bookmarks (`00000085-0000024c-00004c6d-8e61…`): lexicographically ordered commit positions. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** `bookmark.mac`: signed, so a visitor cannot send a made-up position for D1 to wait for. */
function signBookmark(secret: string, bookmark: string): Promise<string> {
  return mac(secret, bookmark);
}

async function mac(secret: string, bookmark: string) {
  const mac = toBase64(await hmacSha256(secret, `d1-bookmark:${bookmark}`))
    .slice(0, 22)
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
  return `${bookmark}.${mac}`;
}

/** The bookmark the visitor handed back (header, else cookie) if Rapport signed it; otherwise null. */
async function handedBookmark(c: Context<AppEnv>): Promise<string | null> {
  const raw = c.req.header(BOOKMARK_HEADER) ?? getCookie(c, BOOKMARK_COOKIE);
  const bookmark = raw?.split(".")[0];
  if (!raw || !bookmark || !BOOKMARK.test(bookmark) || !c.env.SIGNING_SECRET) return null;
  return timingSafeEqual(raw, await signBookmark(c.env.SIGNING_SECRET, bookmark)) ? bookmark : null;
}

/** A handle for reads that any replica may serve, outside a visitor's request (no bookmark to honour). */
export function replicaDb(d1: D1Database): Db {
  return getSessionDb(d1.withSession("first-unconstrained"));
}

async function openSession(c: Context<AppEnv>): Promise<D1Session> {
  const session = c.env.DB.withSession((await handedBookmark(c)) ?? "first-unconstrained");
  return { session, db: getSessionDb(session) };
}

/**
 * The request's D1 session for a visitor (one per request, opened on first use): it starts at the
 * bookmark the visitor handed back, else anywhere (a replica), and stays sequentially consistent.
 * Writes through it go to the primary, as D1 sends every write there.
 */
export function visitorSession(c: Context<AppEnv>): Promise<D1Session> {
  let s = c.get("d1Session");
  if (!s) {
    s = openSession(c);
    c.set("d1Session", s);
  }
  return s;
}

/** A drizzle handle for a visitor's reads, on the request's D1 session. */
export async function readSession(c: Context<AppEnv>): Promise<Db> {
  return (await visitorSession(c)).db;
}

/**
 * Reads through the visitor's session; when that finds nothing, asks the primary before the answer
 * is "not found", so what was made a moment ago (a link, a page, a board) is never missing only
 * because the nearest replica has not caught up.
 */
export async function readFound<T>(c: Context<AppEnv>, read: (db: Db) => Promise<T | null | undefined>) {
  const found = await read(await readSession(c));
  return found ?? (await read(getDb(c.env.DB))) ?? null;
}

/**
 * A visitor's write (a vote, a post, a subscription), with whatever it reads first, on a session that
 * starts at the primary, so it never decides from a replica that is behind. The bookmark after it is
 * handed back on the response being prepared: the `rapport_d1` cookie (browsers) and the
 * `x-d1-bookmark` header (API clients send it back as a request header). The visitor's next reads,
 * and the rest of this request's, start there: they see the write wherever they are served from.
 */
export async function visitorWrite<T>(c: Context<AppEnv>, write: (db: Db) => Promise<T>): Promise<T> {
  const session = c.env.DB.withSession("first-primary");
  wroteOn(c, session);
  const out = await write(await readSession(c));
  await handBack(c, session.getBookmark());
  return out;
}

/**
 * A visitor's write given as SQL statements (reads included) that need nothing read before them: they
 * run in one batch (`primaryBatch`), and the bookmark is handed back as by `visitorWrite`. Answers with
 * the statements' results.
 */
export async function visitorBatch(c: Context<AppEnv>, statements: Query[]): Promise<D1Result[]> {
  const { results, bookmark } = await primaryBatch(c.env.DB, statements, (work) => keepAlive(c, work));
  // The batch may have run in another request: this one reads on a session of its own from there.
  wroteOn(c, c.env.DB.withSession(bookmark ?? "first-primary"));
  await handBack(c, bookmark);
  return results;
}

function keepAlive(c: Context<AppEnv>, work: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(work.catch(() => undefined));
  } catch {
    // no execution context (a direct app.request): nothing outlives the call anyway
  }
}

/** The rest of the request reads on the session that wrote (its handle made only if it does). */
function wroteOn(c: Context<AppEnv>, session: D1DatabaseSession) {
  let db: Db | undefined;
  c.set(
    "d1Session",
    Promise.resolve({
      session,
      get db() {
        db ??= getSessionDb(session);
        return db;
      },
    }),
  );
}

async function handBack(c: Context<AppEnv>, bookmark: string | null) {
  if (!bookmark || !BOOKMARK.test(bookmark) || !c.env.SIGNING_SECRET) return;
  const signed = await signBookmark(c.env.SIGNING_SECRET, bookmark);
  c.header(BOOKMARK_HEADER, signed);
  setCookie(c, BOOKMARK_COOKIE, signed, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: c.req.url.startsWith("https:"),
    maxAge: BOOKMARK_MAX_AGE_S,
  });
}
