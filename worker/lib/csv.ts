// CSV (RFC 4180, CRLF) that is safe to open in a spreadsheet.

/** A CSV cell: quoted, and text a spreadsheet would run as a formula is prefixed with '. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : Array.isArray(v) ? v.join(" ") : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: unknown[][]): string {
  return `${[header.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\r\n")}\r\n`;
}
