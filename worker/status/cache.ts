/**
 * In-isolate cache of rendered public responses, keyed by page and resource. Every write bumps
 * `status_pages.version` in its batch: a hit is only served while the stored version matches
 * (re-read at most once per REVALIDATE_MS), and writes made in this isolate drop its entries at once.
 */
type Entry = {
  pageId: string;
  version: number;
  body: Uint8Array;
  /** The same body gzipped once, for clients that accept it. */
  gzip: Uint8Array;
  etag: string;
  checkedAt: number;
  builtAt: number;
};

const entries = new Map<string, Entry>();
const encoder = new TextEncoder();
const REVALIDATE_MS = 1000;
/** Uptime and maintenance windows move with the clock: rebuild at least this often. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 500;

export type Rendered = { pageId: string; version: number; body: string };

/**
 * Returns the cached body for `key`, or builds it. `version(slug)` reads the page's current
 * version (null when the page does not exist).
 */
export async function cachedRender(
  key: string,
  now: number,
  currentVersion: () => Promise<{ pageId: string; version: number } | null>,
  build: () => Promise<Rendered | null>,
): Promise<Pick<Entry, "body" | "gzip" | "etag"> | null> {
  const hit = entries.get(key);
  if (hit && now - hit.builtAt < MAX_AGE_MS) {
    if (now - hit.checkedAt < REVALIDATE_MS) return hit;
    const v = await currentVersion();
    if (v && v.pageId === hit.pageId && v.version === hit.version) {
      hit.checkedAt = now;
      return hit;
    }
  }
  const built = await build();
  if (!built) {
    entries.delete(key);
    return null;
  }
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  // Encoded and compressed once: a hit only copies bytes.
  const body = encoder.encode(built.body);
  const entry: Entry = {
    ...built,
    body,
    gzip: await gzip(body),
    etag: `W/"${built.version}-${now.toString(36)}"`,
    checkedAt: now,
    builtAt: now,
  };
  entries.set(key, entry);
  return entry;
}

/** Drops this isolate's entries for a page (others notice the version bump) and its table of domains. */
export function purgePage(pageId: string): void {
  for (const [k, e] of entries) if (e.pageId === pageId) entries.delete(k);
  hosts = undefined;
  hostsGeneration++;
}

/** A page served at the root of its own host. */
export type HostedPage = { pageId: string; slug: string; domain: string };

/**
 * Every page's domain, read whole (pages are few) and re-read at most once per REVALIDATE_MS, so
 * a request on another host costs a map lookup. A write in this isolate drops the table at once.
 * Each request that finds it stale reads it itself: a promise awaited across requests can hang one
 * when the request that started it ends first.
 */
let hosts: { at: number; byDomain: Map<string, HostedPage> } | undefined;
let hostsGeneration = 0;

/** The page whose domain is `hostname`, if any; `load` reads every page that has a domain. */
export async function cachedHost(
  hostname: string,
  now: number,
  load: () => Promise<HostedPage[]>,
): Promise<HostedPage | undefined> {
  if (hosts && now - hosts.at < REVALIDATE_MS) return hosts.byDomain.get(hostname);
  const generation = hostsGeneration;
  const byDomain = new Map((await load()).map((r) => [r.domain, r]));
  // A write purged the table while this read ran: answer from it, but keep it only if none did.
  if (generation === hostsGeneration) hosts = { at: now, byDomain };
  return byDomain.get(hostname);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
