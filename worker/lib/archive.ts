// The archive in R2: raw rows as gzip-compressed NDJSON (one JSON object per line), one object per
// table, UTC day and batch, so `zcat archive/<table>/<day>/*.ndjson.gz | jq` reads them.
import { type ArchivedRow, isoDay } from "./retention.ts";

/** What the archive needs of an R2 bucket (tests wrap it to make writes fail). */
export type ArchiveBucket = Pick<R2Bucket, "put" | "get" | "list" | "delete">;

const PREFIX = "archive/";

/** `archive/<table>/<YYYY-MM-DD>/<first row id>.ndjson.gz`: the same rows always land on the same key. */
export const archiveKey = (table: string, day: number, firstId: string) =>
  `${PREFIX}${table}/${isoDay(day)}/${firstId.replace(/[^A-Za-z0-9_.-]/g, "_")}.ndjson.gz`;

/** The table and YYYY-MM-DD an archive key is filed under. */
export function keyParts(key: string): { table: string; day: string } | null {
  const m = /^archive\/([^/]+)\/(\d{4}-\d{2}-\d{2})\//.exec(key);
  return m ? { table: m[1], day: m[2] } : null;
}

/** Rows as gzip-compressed NDJSON. */
export async function gzipNdjson(rows: unknown[]): Promise<Uint8Array> {
  const text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The rows of a gzip-compressed NDJSON body. */
export async function gunzipNdjson(body: ReadableStream | ArrayBuffer | Uint8Array): Promise<unknown[]> {
  const stream = (body instanceof ReadableStream ? body : new Blob([body]).stream()).pipeThrough(
    new DecompressionStream("gzip"),
  );
  const text = await new Response(stream).text();
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as unknown);
}

const put = async (bucket: ArchiveBucket, key: string, rows: unknown[]) =>
  bucket.put(key, await gzipNdjson(rows), {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
  });

/** The rows of one archive object and its key. */
export type ArchivePart = { key: string; rows: ArchivedRow[] };

/**
 * Writes `rows` (oldest first) to the archive, one object per UTC day; returns the objects written.
 * Throws when any write fails, so the caller prunes nothing it could not archive.
 */
export async function writeArchive(
  bucket: ArchiveBucket,
  table: string,
  rows: ArchivedRow[],
  dayOf: (row: ArchivedRow) => number,
): Promise<ArchivePart[]> {
  const byDay = new Map<number, ArchivedRow[]>();
  for (const row of rows) {
    const day = dayOf(row);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  const parts = [...byDay].map(([day, part]) => ({ key: archiveKey(table, day, part[0].id), rows: part }));
  for (const p of parts) await put(bucket, p.key, p.rows);
  return parts;
}

/**
 * Rewrites `parts` with only the rows whose ids are in `kept` (an object left empty is deleted):
 * rows that were gone from D1 when the batch was pruned (a contact erased meanwhile) leave the archive too.
 */
export async function keepOnly(bucket: ArchiveBucket, parts: ArchivePart[], kept: Set<string>): Promise<void> {
  for (const p of parts) {
    const rows = p.rows.filter((r) => kept.has(r.id));
    if (rows.length === p.rows.length) continue;
    if (rows.length) await put(bucket, p.key, rows);
    else await bucket.delete(p.key);
  }
}

/** Whether any value in `v` (deeply, JSON text included) is one of `needles` (compared lowercased). */
export function mentions(v: unknown, needles: Set<string>): boolean {
  if (typeof v === "string") {
    if (needles.has(v.toLowerCase())) return true;
    if (!/^\s*[[{]/.test(v)) return false;
    try {
      return mentions(JSON.parse(v), needles);
    } catch {
      return false;
    }
  }
  if (Array.isArray(v)) return v.some((x) => mentions(x, needles));
  if (v && typeof v === "object") return Object.values(v).some((x) => mentions(x, needles));
  return false;
}

export type ScrubCursor = { table: string | null; after: string | null };

/**
 * Rewrites the archive objects filed between the UTC days `from` and `to` (YYYY-MM-DD) without the
 * rows that mention any of `needles` (a contact's ids and addresses): at most `limit` objects per
 * call, from `cursor`. An object left empty is deleted. Returns where to go on, or null when done.
 */
export async function scrubArchive(
  bucket: ArchiveBucket,
  q: { needles: string[]; from: string; to: string; cursor: ScrubCursor; limit: number },
): Promise<{ next: ScrubCursor | null; scanned: number; removed: number }> {
  const needles = new Set(q.needles.filter(Boolean).map((n) => n.toLowerCase()));
  let scanned = 0;
  let removed = 0;
  for (const table of await archiveTables(bucket)) {
    if (q.cursor.table && table < q.cursor.table) continue;
    if (scanned >= q.limit) return { next: { table, after: null }, scanned, removed };
    // Sorts just before the first key of the day `from`.
    let after = (q.cursor.table === table && q.cursor.after) || `${PREFIX}${table}/${q.from}`;
    for (;;) {
      const page = await bucket.list({ prefix: `${PREFIX}${table}/`, startAfter: after, limit: q.limit - scanned });
      let done = !page.truncated;
      for (const o of page.objects) {
        if ((keyParts(o.key)?.day ?? "") > q.to) {
          done = true;
          break;
        }
        removed += await scrubObject(bucket, o.key, needles);
        scanned++;
        after = o.key;
      }
      if (done) break;
      if (scanned >= q.limit) return { next: { table, after }, scanned, removed };
    }
  }
  return { next: null, scanned, removed };
}

/** The tables the archive holds (its first-level folders). */
async function archiveTables(bucket: ArchiveBucket): Promise<string[]> {
  const tables: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: PREFIX, delimiter: "/", cursor });
    tables.push(...page.delimitedPrefixes.map((p) => p.slice(PREFIX.length, -1)));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return tables.sort();
}

/** Rewrites one object without the rows that mention `needles`; returns how many rows went. */
async function scrubObject(bucket: ArchiveBucket, key: string, needles: Set<string>): Promise<number> {
  const object = await bucket.get(key);
  if (!object) return 0;
  const rows = await gunzipNdjson(object.body);
  const kept = rows.filter((r) => !mentions(r, needles));
  if (kept.length === rows.length) return 0;
  if (kept.length) await put(bucket, key, kept);
  else await bucket.delete(key);
  return rows.length - kept.length;
}
