// Rendered public pages (and the board JSON) kept in the isolate, keyed by URL and board version.
// A write bumps the board's version (in D1, so every isolate sees it) and drops this isolate's copies;
// other isolates serve theirs at most FRESH_MS longer, the same as the Cache-Control max-age.

export const FRESH_MS = 5_000;
const MAX_ENTRIES = 500;

type Entry = { version: string; body: string; type: string; etag: string; at: number; boards: string[] };
const entries = new Map<string, Entry>();

/** Forget every page that shows `boardId` (called with each write to it). */
export function forgetBoard(boardId: string) {
  if (boardId === "*") return entries.clear();
  for (const [key, e] of entries) if (e.boards.includes(boardId) || e.boards.includes("*")) entries.delete(key);
}

async function etagOf(body: string) {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(body));
  return `"${[...new Uint8Array(digest).slice(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

function respond(req: Request, e: Entry) {
  const headers = {
    "content-type": e.type,
    "cache-control": `public, max-age=${FRESH_MS / 1000}`,
    etag: e.etag,
  };
  if (req.headers.get("if-none-match") === e.etag) return new Response(null, { status: 304, headers });
  return new Response(e.body, { status: 200, headers });
}

/** The cached response for `key` if it is within FRESH_MS (no version check, no D1), else null. */
export function freshHit(req: Request, key: string, now = Date.now()): Response | null {
  const hit = entries.get(key);
  return hit && now - hit.at < FRESH_MS ? respond(req, hit) : null;
}

/**
 * Serves `key` from the isolate when fresh, or when the version (one cheap read) is unchanged;
 * otherwise renders it. Only for what every anonymous visitor sees alike.
 */
export async function cachedResponse(
  req: Request,
  key: string,
  opts: {
    version: () => Promise<{ version: string; boards: string[] }>;
    render: () => Promise<{ body: string; type: string }>;
  },
  now = Date.now(),
): Promise<Response> {
  const fresh = freshHit(req, key, now);
  if (fresh) return fresh;
  const hit = entries.get(key);
  const { version, boards } = await opts.version();
  if (hit && hit.version === version) {
    hit.at = now;
    return respond(req, hit);
  }
  const { body, type } = await opts.render();
  const entry = { version, body, type, etag: await etagOf(body), at: now, boards };
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, entry);
  return respond(req, entry);
}
