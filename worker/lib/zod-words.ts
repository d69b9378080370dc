// Every validation message in words, naming its field: one zod error map for the whole Worker, so a
// refused request reads "name is required", never zod's "Invalid input: expected string, received undefined".
// Messages a schema words itself (`.min(1, "…")`) still win.
import { z } from "@hono/zod-openapi";

type Issue = z.core.$ZodRawIssue;

/** `tags[0]`, `author.email`; the whole value when the path is empty. */
export function fieldName(path: ReadonlyArray<PropertyKey> | undefined) {
  if (!path?.length) return "the value";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
    .join("")
    .replace(/^\[/, "item [");
}

const TYPES: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  date: "a date",
  null: "null",
  literal: "a fixed value",
};

const FORMATS: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  datetime: "an ISO 8601 date and time",
  date: "an ISO 8601 date (YYYY-MM-DD)",
  time: "an ISO 8601 time",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  base64: "base64 text",
  base64url: "base64url text",
};

const UNITS: Record<string, [string, string]> = {
  string: ["character", "characters"],
  array: ["item", "items"],
  set: ["item", "items"],
  file: ["byte", "bytes"],
};

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const count = (n: number | bigint, unit: [string, string]) => `${n} ${Number(n) === 1 ? unit[0] : unit[1]}`;

function bound(
  iss: Issue & { origin?: string; inclusive?: boolean; exact?: boolean },
  n: number | bigint,
  small: boolean,
) {
  const unit = UNITS[iss.origin ?? ""];
  if (unit) {
    const size = count(n, unit);
    if (iss.exact) return iss.origin === "string" ? `must be exactly ${size}` : `must have exactly ${size}`;
    if (small && iss.origin === "string" && Number(n) === 1) return "is required";
    const word = small ? "at least" : "at most";
    return iss.origin === "string" ? `must be ${word} ${size}` : `must have ${word} ${size}`;
  }
  if (iss.inclusive === false) return `must be ${small ? "more" : "less"} than ${n}`;
  return `must be ${small ? "at least" : "at most"} ${n}`;
}

/** The words for one issue, without the field's name. */
function predicate(iss: Issue): string {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      return `must be ${TYPES[iss.expected] ?? iss.expected}`;
    case "too_small":
      return bound(iss, iss.minimum, true);
    case "too_big":
      return bound(iss, iss.maximum, false);
    case "invalid_value":
      return iss.values.length === 1
        ? `must be ${show(iss.values[0])}`
        : `must be one of: ${iss.values.map(show).join(", ")}`;
    case "invalid_format":
      if (iss.format === "starts_with") return `must start with “${(iss as { prefix?: string }).prefix}”`;
      if (iss.format === "ends_with") return `must end with “${(iss as { suffix?: string }).suffix}”`;
      if (iss.format === "includes") return `must include “${(iss as { includes?: string }).includes}”`;
      return FORMATS[iss.format] ? `must be ${FORMATS[iss.format]}` : "is not in the expected format";
    case "not_multiple_of":
      return `must be a multiple of ${iss.divisor}`;
    case "unrecognized_keys":
      return `has unknown ${iss.keys.length === 1 ? "field" : "fields"}: ${iss.keys.join(", ")}`;
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has a value that is not allowed";
    case "invalid_union": {
      // The first alternative's first complaint says what was expected.
      const first = (iss.errors as z.core.$ZodIssue[][] | undefined)?.[0]?.[0];
      return first && first.code !== "invalid_union"
        ? predicate({ ...first, input: null, path: [] } as unknown as Issue)
        : "is not valid";
    }
    default:
      return "is not valid";
  }
}

/** "name must be at most 100 characters". */
export function issueInWords(iss: Issue): string {
  return `${fieldName(iss.path)} ${predicate(iss)}`;
}

z.config({ customError: issueInWords });
