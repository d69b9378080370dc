/**
 * Request bodies generated from the OpenAPI document: one valid value per schema, and hostile
 * variants of it, one field at a time, so that most requests pass the first check and reach the
 * deeper ones. Deterministic for a given random source.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  prefixItems?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  example?: unknown;
  default?: unknown;
};

/** Strings no input should fail on with a 500. */
export const HOSTILE_STRINGS = [
  "\u0000",
  "a\u0000b",
  "\u0008\u0001\u001f\u007f",
  "\u202Egnp.exe",
  "👩🏽‍💻🚀",
  "\uD800",
  "x\uDFFFy",
  "x".repeat(100_000),
  "'; DROP TABLE contacts;--",
  '" OR 1=1 --',
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "{{ contact.email | append: 1 }",
  "{% for i in (1..9) %}",
  "../../etc/passwd",
  "\r\nSet-Cookie: a=1",
  " ",
  "",
  "1e309",
  "__proto__",
];

/** Values of the wrong JSON type for most fields. */
export const WRONG_TYPES: unknown[] = [12345, -1.5, true, null, {}, [], "text", [[[]]], { length: 1 }];

/** 10,000 nested arrays, as JSON text. */
export const DEEP_JSON = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
/** Stands for DEEP_JSON in a value; `toJson` writes it out (JSON.stringify itself would run out of stack). */
const DEEP = "\u0000deep\u0000";

export const toJson = (v: unknown) => JSON.stringify(v).replaceAll(JSON.stringify(DEEP), DEEP_JSON);

/** Keys no object should fail on (parsed, so `__proto__` is a plain own key as in a request). */
const HOSTILE_KEYS = JSON.parse(
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{}},"a\\u0000b":"x","":"empty"}',
);

export type Pool = {
  /**
   * The ids (or, for a field not named `…Id`, the slugs) of known resources under these labels;
   * those related to (holding) one of `related` first, if any are.
   */
  refs(labels: string[], key: string, related: string[]): string[];
};

export type Gen = {
  rng: () => number;
  pool: Pool;
  receiverUrl: string;
  now: number;
  seq: number;
  /** Inside the i-th item of an array: enums take their i-th value, so items differ. */
  index?: number;
  /** Path parameters: always a known resource when there is one, related to those before it. */
  params?: string[];
};

const pick = <T>(g: Gen, items: readonly T[]): T =>
  items[g.index !== undefined ? g.index % items.length : Math.floor(g.rng() * items.length)];

/**
 * The resources a field may refer to: `templateId` → `templates`, `componentIds` → `components`,
 * `board` → `boards`, the `id` inside `components: [{ id }]` → `components`.
 */
export function refLabels(key: string | undefined, parentKey: string | undefined): string[] {
  if (!key) return [];
  if (key === "id") return parentKey ? [parentKey] : [];
  const m = /^(.+?)Ids?$/.exec(key);
  return m ? [`${m[1]}s`] : [`${key}s`];
}

export function resolve(doc: { components?: { schemas?: Record<string, Schema> } }, s: Schema): Schema {
  let out = s;
  for (let i = 0; out.$ref && i < 20; i++) {
    out = doc.components?.schemas?.[out.$ref.replace("#/components/schemas/", "")] ?? {};
  }
  if (out.allOf) {
    const parts = out.allOf.map((p) => resolve(doc, p));
    return {
      ...out,
      allOf: undefined,
      type: "object",
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }
  return out;
}

const typeOf = (s: Schema) =>
  Array.isArray(s.type) ? s.type.find((t) => t !== "null") : (s.type ?? (s.properties ? "object" : undefined));

function validString(g: Gen, s: Schema, key: string | undefined, labels: string[]): string {
  const n = ++g.seq;
  // Recent past times, later for later fields (an end after its start); past days are complete.
  const time = new Date(g.now - 3_600_000 + n * 100).toISOString();
  if (s.format === "email") return `hostile${n}@example.com`;
  if (s.format === "uri") return `${g.receiverUrl}/hostile/${n}`;
  if (s.format === "date-time" || /(^timestamp|Timestamp|[a-z]At)$/.test(key ?? "")) return time;
  if (s.format === "date") return new Date(g.now - 86_400_000).toISOString().slice(0, 10);
  const fits = (v: unknown): v is string =>
    typeof v === "string" &&
    v.length >= (s.minLength ?? 0) &&
    v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) &&
    (!s.pattern || new RegExp(s.pattern, "u").test(v));
  // A known resource most of the time; a fresh value otherwise (a code may be a new one to make).
  const refs = g.params || g.rng() < 0.75 ? g.pool.refs(labels, key ?? "", g.params ?? []).filter(fits) : [];
  if (refs.length) return pick(g, refs);
  const constrained = s.pattern ? ["app.example.com", "*", "USD", "signup", "2026-Q4"] : [];
  const own = key && /url|destination/i.test(key) ? [`https://app.example.com/hostile/${n}`] : [];
  const candidates = [s.example, ...own, `h${n}x`, ...constrained, `h${n}`, "x".repeat(s.minLength ?? 1)];
  return candidates.find(fits) ?? "x";
}

function validNumber(s: Schema, integer: boolean): number {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.5) : 1);
  const v = Math.min(Math.max(lo, 1), s.maximum ?? Number.POSITIVE_INFINITY);
  return integer ? Math.ceil(v) : v;
}

/**
 * A value `schema` accepts, as far as a schema can say: strings that name resources (`labels`,
 * by default from the field's name) are known ones from the pool.
 */
export function validValue(
  doc: Parameters<typeof resolve>[0],
  g: Gen,
  schema: Schema,
  key?: string,
  parentKey?: string,
  labels = refLabels(key, parentKey),
): unknown {
  const s = resolve(doc, schema);
  if (s.const !== undefined) return s.const;
  if (s.enum) return pick(g, s.enum);
  const branches = (s.anyOf ?? s.oneOf)?.filter((b) => resolve(doc, b).type !== "null");
  if (branches?.length) return validValue(doc, g, pick(g, branches), key, parentKey);
  const type = typeOf(s);
  if (type === "string") return validString(g, s, key, labels);
  if (type === "integer" || type === "number") return validNumber(s, type === "integer");
  if (type === "boolean") return g.rng() < 0.5;
  if (type === "null") return null;
  if (type === "array") {
    if (s.prefixItems) return s.prefixItems.map((p) => validValue(doc, g, p, key, parentKey));
    // Items with a kind (an enum) get one of each kind, unless the schema says how many.
    const kinds = Object.values(resolve(doc, s.items ?? {}).properties ?? {}).find((p) => p.enum)?.enum?.length;
    const n = Math.min(Math.max(s.minItems ?? kinds ?? 1, 1), s.maxItems ?? Number.POSITIVE_INFINITY);
    const outer = g.index;
    const items = Array.from({ length: n }, (_, i) => {
      g.index = i;
      return validValue(doc, g, s.items ?? {}, key, key);
    });
    g.index = outer;
    return items;
  }
  if (type === "object") {
    const required = new Set(s.required ?? []);
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      if (required.has(k) || g.rng() < 0.6) out[k] = validValue(doc, g, p, k, key);
    }
    return out;
  }
  return {};
}

export type Variant = { name: string; body: unknown };

/** Every path to a value inside `v` (objects and arrays), with the key it sits under. */
function paths(v: unknown, at: Array<string | number> = [], depth = 0): Array<Array<string | number>> {
  if (depth > 6 || v === null || typeof v !== "object") return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...at, k], ...paths(x, [...at, k], depth + 1)]);
}

function setAt(v: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every string in `v` with `suffix` appended. */
function suffixed(v: unknown, suffix: string): unknown {
  if (typeof v === "string") return v + suffix;
  if (Array.isArray(v)) return v.map((x) => suffixed(x, suffix));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, suffixed(x, suffix)]));
  return v;
}

/**
 * Hostile variants of a valid body: each field replaced by hostile strings, wrong types, or
 * removed; and every string field at once with a hostile suffix (free text takes it, so these
 * reach the handlers).
 */
export function fieldVariants(valid: unknown): Variant[] {
  const out: Variant[] = HOSTILE_STRINGS.map((h) => ({
    name: `every string +=${JSON.stringify(h.slice(0, 24))}`,
    body: suffixed(valid, h),
  }));
  if (valid && typeof valid === "object" && !Array.isArray(valid)) {
    out.push({ name: "hostile keys and a deep value", body: { ...valid, ...HOSTILE_KEYS, deep: DEEP } });
  }
  for (const path of paths(valid)) {
    const name = path.join(".");
    const current = path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], valid);
    for (const h of HOSTILE_STRINGS) {
      out.push({ name: `${name}=${JSON.stringify(h.slice(0, 24))}`, body: setAt(valid, path, h) });
      if (typeof current === "string") {
        out.push({ name: `${name}+=${JSON.stringify(h.slice(0, 24))}`, body: setAt(valid, path, current + h) });
      }
    }
    for (const w of WRONG_TYPES) out.push({ name: `${name}=${JSON.stringify(w)}`, body: setAt(valid, path, w) });
    out.push({ name: `${name}=<10,000 nested arrays>`, body: setAt(valid, path, DEEP) });
    out.push({ name: `${name} removed`, body: setAt(valid, path, undefined, true) });
    if (current && typeof current === "object" && !Array.isArray(current)) {
      const extra = { ...current, ...HOSTILE_KEYS, deep: DEEP };
      out.push({ name: `${name} with hostile keys and a deep value`, body: setAt(valid, path, extra) });
    }
    if (Array.isArray(current) && current.length) {
      out.push({ name: `${name} with its first item twice`, body: setAt(valid, path, [current[0], ...current]) });
    }
    if (typeof current === "number") {
      for (const n of [0, -1, 1e308, 2 ** 53 + 1, 0.5, -0]) {
        out.push({ name: `${name}=${n}`, body: setAt(valid, path, n) });
      }
    }
  }
  return out;
}
