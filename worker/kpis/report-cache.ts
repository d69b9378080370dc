// The quarter report, kept in the isolate for REPORT_FRESH_MS: it is read far more often than its
// sources change, and computing it reads every source. Concurrent requests share one computation
// (D1 runs one query at a time, so fifty parallel builds would queue behind each other). Writes to
// what the report holds beyond its sources (settings, targets, spend, snapshots) drop this
// isolate's copies at once; other isolates recompute within REPORT_FRESH_MS, and a request with
// `Cache-Control: no-cache` always does.

export const REPORT_FRESH_MS = 30_000;
const MAX_ENTRIES = 50;

const entries = new Map<string, { at: number; value: Promise<unknown> }>();

/** The value kept under `key` when computed (or being computed) less than REPORT_FRESH_MS before `now`, else `build()`'s. */
export async function cachedReport<T>(key: string, now: number, fresh: boolean, build: () => Promise<T>): Promise<T> {
  const hit = entries.get(key);
  if (!fresh && hit && now >= hit.at && now - hit.at < REPORT_FRESH_MS) return hit.value as Promise<T>;
  const value = build();
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, { at: now, value });
  // A failed computation is not kept.
  value.catch(() => {
    if (entries.get(key)?.value === value) entries.delete(key);
  });
  return value;
}

/** Drops every kept report of this isolate (called with each write to settings, targets, spend or snapshots). */
export function forgetReports(): void {
  entries.clear();
}
