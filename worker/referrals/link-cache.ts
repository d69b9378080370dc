/**
 * The in-isolate cache of code -> redirect target, so a warm code never waits on D1.
 * Entries live `LINK_TTL_MS` (the bound on staleness in other isolates: a link or program change,
 * such as a dropped allowed host, reaches every isolate within it, because the loader checks the
 * destination again); a change made through this isolate drops the entry at once, and a program
 * change bumps the version of all.
 */

export type CachedLink = {
  linkId: string;
  programId: string;
  referrerId: string | null;
  /** The referrer's host-app user id, to tell their own clicks apart. */
  referrerExternalId: string | null;
  destination: string;
  utm: Record<string, string>;
  allowedHosts: string[];
  windowDays: number;
  attributionModel: "first_click" | "last_click";
  active: boolean;
};

export const LINK_TTL_MS = 60_000;
const MISS_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

type Entry = { link: CachedLink | null; expires: number; version: number };
const entries = new Map<string, Entry>();
let version = 0;

export async function cachedLink(
  code: string,
  load: (code: string) => Promise<CachedLink | null>,
  now = Date.now(),
): Promise<CachedLink | null> {
  const hit = entries.get(code);
  if (hit && hit.expires > now && hit.version === version) {
    return hit.link;
  }
  const link = await load(code);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(code, { link, expires: now + (link ? LINK_TTL_MS : MISS_TTL_MS), version });
  return link;
}

/** A link changed: forget it here (other isolates follow within the TTL). */
export function invalidateLink(code: string): void {
  entries.delete(code);
}

/** A program changed (hosts, destination, window): every cached link may be stale. */
export function invalidateAllLinks(): void {
  version++;
}
