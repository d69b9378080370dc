// The quarter report, kept in the isolate for REPORT_FRESH_MS: it is read far more often than its
// sources change, and computing it reads every source. Concurrent requests share one computation
// (D1 runs one query at a time, so fifty parallel builds would queue behind each other), and a copy
// past REFRESH_AFTER_MS is recomputed in the background while it is still served, so under steady
// traffic no request waits for a build. Writes to what the report holds beyond its sources (settings,
// targets, spend, snapshots) drop this isolate's copies at once; other isolates recompute within
// REPORT_FRESH_MS, and a request with `Cache-Control: no-cache` always does.

export const REPORT_FRESH_MS = 30_000;
/** Age at which a kept copy is rebuilt behind the scenes: a build takes well under the rest of REPORT_FRESH_MS. */
const REFRESH_AFTER_MS = 20_000;
const MAX_ENTRIES = 50;

type Entry = { at: number; value: Promise<unknown>; refreshing?: boolean };
const entries = new Map<string, Entry>();

/**
 * The value kept under `key` when computed (or being computed) less than REPORT_FRESH_MS before `now`,
 * else `build()`'s. A copy older than REFRESH_AFTER_MS is still served while `build()` runs for the
 * next requests (kept alive by `keepAlive`, the request's waitUntil).
 */
export async function cachedReport<T>(
  key: string,
  now: number,
  fresh: boolean,
  build: () => Promise<T>,
  keepAlive: (work: Promise<unknown>) => void = () => {},
): Promise<T> {
  const hit = entries.get(key);
  const age = hit ? now - hit.at : Number.POSITIVE_INFINITY;
  if (!fresh && hit && age >= 0 && age < REPORT_FRESH_MS) {
    if (age >= REFRESH_AFTER_MS && !hit.refreshing) {
      hit.refreshing = true;
      const next = build();
      // Replaces the copy once built, unless a write dropped it meanwhile (the rebuild may predate the
      // write); a failed rebuild leaves it to expire.
      const replace = () => {
        if (entries.get(key) === hit) keep(key, now, next);
      };
      keepAlive(next.then(replace, () => undefined));
    }
    return hit.value as Promise<T>;
  }
  const value = build();
  keep(key, now, value);
  // A failed computation is not kept.
  value.catch(() => {
    if (entries.get(key)?.value === value) entries.delete(key);
  });
  return value;
}

function keep(key: string, at: number, value: Promise<unknown>) {
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, { at, value });
}

/** Drops every kept report of this isolate (called with each write to settings, targets, spend or snapshots). */
export function forgetReports(): void {
  entries.clear();
}
