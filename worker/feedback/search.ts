// What a visitor's search text becomes in SQLite full-text search.

/** FTS5 query from free text: every word as a quoted prefix term, so no user input is FTS syntax. */
export function ftsQuery(text: string, join: "AND" | "OR" = "AND"): string | null {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
  return words.length ? words.map((w) => `"${w}"*`).join(` ${join} `) : null;
}
