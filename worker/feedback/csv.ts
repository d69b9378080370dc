// The CSV export of a board's posts (RFC 4180), safe to open in a spreadsheet.
import { csvCell } from "../lib/csv.ts";
import type { ExportedPost } from "./store/export.ts";

const CSV_COLUMNS = [
  "id",
  "title",
  "status",
  "voteCount",
  "commentCount",
  "tags",
  "category",
  "impact",
  "confidence",
  "ease",
  "iceScore",
  "moderation",
  "mergedIntoId",
  "authorExternalId",
  "authorEmail",
  "authorName",
  "createdAt",
  "statusChangedAt",
  "body",
] as const;

/** One row per post (RFC 4180, CRLF), times as ISO 8601. */
export function postsCsv(posts: ExportedPost[]): string {
  const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : "");
  const lines = posts.map((p) =>
    CSV_COLUMNS.map((col) => csvCell(col === "createdAt" || col === "statusChangedAt" ? iso(p[col]) : p[col])).join(
      ",",
    ),
  );
  return `${[CSV_COLUMNS.join(","), ...lines].join("\r\n")}\r\n`;
}
