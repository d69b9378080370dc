import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";

// D1 binds at most 100 parameters per statement. A statement whose list of values grows with its
// input (`inArray(column, ids)`, `sql.join(values)`) must be bounded: this finds every such list
// and fails unless its size is bounded where it is written.
const ROOT = join(import.meta.dirname, "../..");
const MAX = 100;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/**
 * Whether `list` is bounded by how it is written: an array literal without spreads, a
 * `.slice(0, n)` with n ≤ 100, or a `part` of `chunk(…, IN_LIST_MAX)`/`rowsPerInsert(…)` (the
 * project's name for one chunk).
 */
function bounded(list: ts.Expression): boolean {
  if (ts.isArrayLiteralExpression(list)) return list.elements.every((e) => !ts.isSpreadElement(e));
  if (ts.isCallExpression(list) && ts.isPropertyAccessExpression(list.expression)) {
    const [from, to] = list.arguments;
    if (list.expression.name.text === "slice" && from?.getText() === "0" && to && ts.isNumericLiteral(to))
      return Number(to.text.replaceAll("_", "")) <= MAX;
  }
  // One chunk, or a row per item of one chunk.
  if (ts.isIdentifier(list)) return list.text === "part";
  return (
    ts.isCallExpression(list) &&
    ts.isPropertyAccessExpression(list.expression) &&
    list.expression.name.text === "map" &&
    list.expression.expression.getText() === "part"
  );
}

/** Lists of values bound into one statement, with where they are. */
function unboundedLists(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source);
      const list =
        callee === "inArray" || callee === "notInArray"
          ? node.arguments[1]
          : callee === "sql.join"
            ? node.arguments[0]
            : undefined;
      if (list && !bounded(list)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        out.push(`${relative(ROOT, file)}:${line + 1} ${callee}(${list.getText(source).slice(0, 60)})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * Lists whose length the code or the input schema fixes (a table's columns, a statement's own
 * conditions): each with why it stays within D1's 100 parameters. Any other list goes through
 * `inJson` (one JSON parameter) or a chunk.
 */
const FIXED_BY_CODE = new Set([
  // A trigger's filters: at most 10 (TriggerRule), each binding its trait path and one value (an
  // `in` list is one JSON parameter).
  "worker/emails/store/candidates.ts sql.join(parts)",
  // The states a reward may leave: TRANSITIONS or a literal list at each caller (a few REWARD_STATES).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of the call
  "worker/referrals/store/rewards.ts sql.join(from.map((s) => sql`${s}`))",
  "worker/referrals/store/clicks.ts sql.join(COLUMNS.map((_, i) => col(i)))",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of the call
  "worker/emails/store/message-days.ts sql.join(NAMES.map((c) => sql`${COUNTS[c]} AS ${sql.raw(c)}`))",
  "worker/emails/store/message-days.ts sql.join(where)",
]);

it("no statement binds a list that can outgrow D1's 100 parameters", () => {
  const found = files(join(ROOT, "worker"))
    .flatMap(unboundedLists)
    .map((site) => site.replace(/:\d+ /, " "))
    .filter((site) => !FIXED_BY_CODE.has(site));
  expect(found).toEqual([]);
});
