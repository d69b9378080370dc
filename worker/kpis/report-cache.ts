// The quarter report, kept in the isolate for REPORT_FRESH_MS: it is read far more often than its
// sources change, and computing it reads every source. Only a finished report is kept: a request never
// awaits another request's computation (workerd cancels continuations settled by another request's
// I/O). A copy
// past REFRESH_AFTER_MS is recomputed in the background while it is still served, so under steady
// traffic no request waits for a build. Writes to what the report holds beyond its sources (settings,
// targets, spend, snapshots) drop this isolate's copies at once; other isolates recompute within
// REPORT_FRESH_MS, and a request with `Cache-Control: no-cache` always does.

export const REPORT_FRESH_MS = 30_000;
/** Age at which a kept copy is rebuilt behind the scenes: a build takes well under the rest of REPORT_FRESH_MS. */
const REFRESH_AFTER_MS = 20_000;
const MAX_ENTRIES = 50;

type Entry = { at: number; value: unknown; refreshing?: boolean };
const entries = new Map<string, Entry>();
/** Bumped by every write that drops the kept reports: a build that began before it is not kept. */
let generation = 0;

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
      // Replaces the copy once built, unless a write dropped it meanwhile (the rebuild may predate the
      // write); a failed rebuild leaves it to expire.
      const replace = (next: T) => {
        if (entries.get(key) === hit) keep(key, now, next);
      };
      keepAlive(build().then(replace, () => undefined));
    }
    return hit.value as T;
  }
  const began = generation;
  const value = await build();
  if (began === generation) keep(key, now, value);
  return value;
}

function keep(key: string, at: number, value: unknown) {
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, { at, value });
}

/** Drops every kept report of this isolate (called with each write to settings, targets, spend or snapshots). */
export function forgetReports(): void {
  generation++;
  entries.clear();
}
