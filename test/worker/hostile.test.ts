import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it, onTestFinished } from "vitest";
import { seededRng } from "../../db/seed/context.ts";
import worker from "../../worker/index.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { call, db, identityToken, newKey } from "./helpers.ts";
import {
  DEEP_JSON,
  fieldVariants,
  type Gen,
  HOSTILE_STRINGS,
  resolve,
  type Schema,
  toJson,
  validValue,
} from "./hostile-input.ts";

/**
 * Every write operation in the OpenAPI document (admin and public, in /api/v1 and outside it)
 * gets hostile input with valid credentials: hostile strings and wrong types in each field of a
 * body generated from its schema, malformed and deeply nested JSON, other content types, and path
 * parameters that name nothing or are hostile. No answer may be a 5xx; every 4xx is problem+json
 * of a type other than `internal` (or the HTML page the document declares for that status); and a
 * refused request writes nothing. New operations are covered by being in the document.
 */

type Param = { name: string; in: "path" | "query" | "header"; required?: boolean; schema?: Schema };
type Operation = {
  security?: Array<Record<string, unknown>>;
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
type Op = { method: string; path: string; op: Operation };
type Spec = { name: string; path: string; headers: Record<string, string>; body?: BodyInit };
type Outcome = { status: number; type: string; text: string };

const SEED = 20261214;
/** Sampled hostile requests per operation (besides the few every operation always gets). */
const SAMPLE = 14;
const MIB = 1024 * 1024;

const rng = seededRng(SEED);
const pickSome = <T>(items: T[], n: number): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
};

/** Resources the run has seen in answers, by label (`programs`, `contacts`, …); the latest last. */
const pool = new Map<string, Array<Record<string, unknown>>>();
function remember(label: string, o: Record<string, unknown>) {
  // A resource seen again updates what was known of it (a renamed slug).
  const list = pool.get(label) ?? [];
  const seen = list.findIndex((x) => x.id === o.id);
  if (seen >= 0) list[seen] = { ...list[seen], ...o };
  else list.push(o);
  pool.set(label, list);
}
function harvest(v: unknown, label: string) {
  if (Array.isArray(v)) {
    for (const x of v) harvest(x, label);
    return;
  }
  if (!v || typeof v !== "object") return;
  const o = v as Record<string, unknown>;
  if (typeof o.id === "string") remember(label, o);
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === "string" && /.Id$/.test(k)) remember(`${k.slice(0, -2)}s`, { id: x });
    // Codes and tokens are references too (a referral code in a conversion, a heartbeat's token).
    else if (typeof x === "string" && (k === "code" || k === "token")) remember(`${k}s`, { id: x });
    else if (x && typeof x === "object") harvest(x, k === "data" ? label : k);
  }
}
const gen: Gen = {
  rng,
  now: Date.now(),
  seq: 0,
  receiverUrl: env.RECEIVER_URL,
  pool: {
    refs(labels, key, related) {
      const field = key === "id" || /Ids?$/.test(key) ? "id" : "slug";
      const all = labels.map((l) => pool.get(l) ?? []).find((l) => l.length) ?? [];
      const near = all.filter((o) => Object.values(o).some((v) => related.includes(v as string)));
      const known = near.length ? near : all;
      const values = known.map((o) => o[field]).filter((v) => typeof v === "string");
      return [...new Set(values.length ? values : known.map((o) => o.id))] as string[];
    },
  },
};

/** The last literal segment of a path: what its answers are called. */
const labelOf = (path: string) =>
  (
    path
      .split("/")
      .filter((s) => s && !s.startsWith("{"))
      .at(-1) ?? ""
  ).replace(/\.json$/, "");

/** Row counts of every table: a refused request must leave them as they were. */
let countSql: string | undefined;
async function fingerprint(): Promise<Record<string, number>> {
  if (!countSql) {
    const { results } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
    ).all<{ name: string }>();
    countSql = `SELECT ${results.map((r) => `(SELECT count(*) FROM "${r.name}") AS "${r.name}"`).join(", ")}`;
  }
  return (await env.DB.prepare(countSql).first()) as Record<string, number>;
}
const changed = (a: Record<string, number>, b: Record<string, number>) => Object.keys(b).filter((t) => a[t] !== b[t]);

/**
 * Queue batches being delivered. Besides requests (whose `waitUntil` work `send` awaits), the
 * queue consumer is the only thing that writes; the runtime delivers through this same module's
 * `queue`, which the run wraps to watch (everything passes through unchanged).
 */
const consumer = { running: 0, started: 0 };
const deliver = worker.queue;
function watchConsumer() {
  worker.queue = async (batch, e, ctx) => {
    consumer.started++;
    consumer.running++;
    const work: Array<Promise<unknown>> = [];
    const watched = {
      waitUntil: (p: Promise<unknown>) => {
        work.push(p);
        ctx.waitUntil(p);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: ctx.props,
    } as ExecutionContext;
    try {
      await deliver(batch, e, watched);
      await Promise.allSettled(work);
    } finally {
      consumer.running--;
    }
  };
  return () => {
    worker.queue = deliver;
  };
}

/** Runs `request` and tells which tables changed, and whether the consumer ran meanwhile. */
async function observe<T>(request: () => Promise<T>) {
  const started = consumer.started;
  const idle = consumer.running === 0;
  const before = await fingerprint();
  const out = await request();
  const diff = changed(before, await fingerprint());
  return { out, diff, alone: idle && consumer.running === 0 && consumer.started === started };
}

/** Sends through the Worker's fetch and waits for its `waitUntil` work, so that is not background. */
async function send(method: string, spec: Spec): Promise<Outcome> {
  const ctx = createExecutionContext();
  const req = new Request(`http://rapport.test${spec.path}`, {
    method,
    headers: spec.headers,
    body: spec.body,
    redirect: "manual",
  });
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text };
}

/** What is wrong with an answer, if anything. */
function judge(op: Operation, out: Outcome): string | undefined {
  if (out.status >= 500) return `${out.status}: ${out.text.slice(0, 300)}`;
  if (out.status < 400) return undefined;
  const declared = op.responses?.[String(out.status)]?.content ?? {};
  if (out.type.startsWith("text/html") && Object.keys(declared).some((t) => t.startsWith("text/html"))) return;
  if (out.type !== "application/problem+json") return `${out.status} as ${out.type}: ${out.text.slice(0, 200)}`;
  const body = JSON.parse(out.text) as { type?: string; status?: number };
  if (!/^urn:rapport:problem:[a-z-]+$/.test(body.type ?? "") || body.type === "urn:rapport:problem:internal") {
    return `${out.status} typed ${body.type}`;
  }
  if (body.status !== out.status) return `${out.status} says status ${body.status}`;
  return undefined;
}

const HOSTILE_SEGMENTS = [
  "does-not-exist",
  "x".repeat(300),
  "%00",
  "%08%1F",
  "%E2%80%AEgnp",
  "%F0%9F%9A%80",
  "%ED%A0%80",
  "'%20OR%201%3D1--",
  "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
  "..%2F..%2Fapi%2Fv1%2Fkeys",
  "%25",
  "null",
];
/** Header values that survive the Headers API (no control characters, only bytes). */
const HEADER_SAFE = HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]{1,300}$/.test(s));

type Credentials = { key: string; tokens: string[] };

function authHeader(op: Operation, creds: Credentials, i: number): Record<string, string> {
  const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (!schemes.length) return {};
  const scheme = schemes[i % schemes.length];
  if (scheme === "writeKey") return { authorization: `Basic ${btoa(`${creds.key}:`)}` };
  if (scheme === "identityToken") return { authorization: `Bearer ${creds.tokens[i % creds.tokens.length]}` };
  return { authorization: `Bearer ${creds.key}` };
}

/** The operation's parameters with valid values: known resources where the path names them. */
function validParams(o: Op): Record<string, string> {
  const segments = o.path.split("/");
  const out: Record<string, string> = {};
  gen.params = [];
  for (const p of o.op.parameters ?? []) {
    const before = segments[segments.indexOf(`{${p.name}}`) - 1];
    const segment = before && !before.startsWith("{") ? [before] : [];
    const labels = p.name === "id" ? segment : [`${p.name.replace(/Id$/, "")}s`, ...segment];
    out[p.name] = String(validValue({}, gen, p.schema ?? { type: "string" }, p.name, undefined, labels));
    gen.params.push(out[p.name]);
  }
  gen.params = undefined;
  if (o.op.parameters?.some((p) => p.name === "idempotency-key")) out["idempotency-key"] = `hostile-${++gen.seq}`;
  return out;
}

function requestOf(o: Op, params: Record<string, string>, rawPath: Record<string, string> = {}) {
  let path = o.path;
  const headers: Record<string, string> = {};
  const query = new URLSearchParams();
  for (const p of o.op.parameters ?? []) {
    const v = params[p.name];
    if (p.in === "path") path = path.replace(`{${p.name}}`, rawPath[p.name] ?? encodeURIComponent(v));
    else if (p.in === "header") headers[p.name] = v;
    else query.set(p.name, v);
  }
  return { path: query.size ? `${path}?${query}` : path, headers };
}

/** The content type the operation takes and its schema, if it takes a body. */
function bodyOf(doc: Doc, o: Op): { type: string; schema: Schema } | undefined {
  const [type, media] = Object.entries(o.op.requestBody?.content ?? {})[0] ?? [];
  return type ? { type, schema: resolve(doc, media.schema ?? {}) } : undefined;
}

function encode(type: string, body: unknown): BodyInit {
  if (type !== "application/x-www-form-urlencoded") return toJson(body);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    form.set(k, typeof v === "string" ? v : JSON.stringify(v));
  }
  return form.toString();
}

/** The hostile requests for one operation: a few always, a seeded sample of the rest. */
function plan(doc: Doc, o: Op, creds: Credentials): Spec[] {
  const params = validParams(o);
  const base = requestOf(o, params);
  const b = bodyOf(doc, o);
  const valid = b ? validValue(doc, gen, b.schema) : undefined;
  const withBody = (name: string, body: BodyInit | undefined, type = b?.type ?? "application/json"): Spec => ({
    name,
    ...base,
    headers: { ...base.headers, ...(body === undefined ? {} : { "content-type": type }) },
    body,
  });
  const always: Spec[] = [];
  const rest: Spec[] = [];
  if (b) {
    always.push(withBody("empty object", "{}"), withBody("malformed JSON", '{"a":'));
    always.push(withBody("10,000 nested arrays", DEEP_JSON));
    always.push(withBody("valid body as text/plain", encode(b.type, valid), "text/plain"));
    rest.push(
      withBody("null", "null"),
      withBody("array", "[]"),
      withBody("a string", '"x"'),
      withBody("byte order mark", `\uFEFF${encode(b.type, valid)}`),
      withBody("over 1 MiB", JSON.stringify({ x: "x".repeat(MIB) })),
      withBody("no body", undefined),
      withBody("broken multipart", "--other\r\n\r\nx", "multipart/form-data; boundary=announced"),
      withBody("urlencoded", "a=1&b=%ZZ", "application/x-www-form-urlencoded"),
      withBody("UTF-16 JSON", encode(b.type, valid), "application/json; charset=utf-16"),
      ...fieldVariants(valid).map((v) => withBody(v.name, encode(b.type, v.body))),
    );
  } else {
    always.push(withBody("stray JSON body", '{"a":1}', "application/json"));
    rest.push(withBody("stray malformed JSON", '{"a":', "application/json"), withBody("stray text", "x", "text/plain"));
  }
  // The valid body again, with one parameter made hostile.
  const body = b ? encode(b.type, valid) : undefined;
  for (const p of o.op.parameters ?? []) {
    const values = p.in === "path" ? HOSTILE_SEGMENTS : HEADER_SAFE;
    for (const [i, v] of values.entries()) {
      const r = requestOf(o, { ...params, [p.name]: v }, p.in === "path" ? { [p.name]: v } : {});
      const spec = withBody(`${p.name}=${v.slice(0, 30)}`, body);
      (i === 0 ? always : rest).push({ ...spec, path: r.path, headers: { ...spec.headers, ...r.headers } });
    }
  }
  return [...always, ...pickSome(rest, SAMPLE)].map((s, i) => ({
    ...s,
    headers: { ...s.headers, ...authHeader(o.op, creds, i), "cf-connecting-ip": `198.51.100.${i % 250}` },
  }));
}

/** Waits until the queue consumer has had nothing to do for longer than its batch timeout (2 s). */
async function quiesce() {
  let started = consumer.started;
  let quietSince = Date.now();
  for (const start = Date.now(); Date.now() - quietSince < 3000 && Date.now() - start < 30_000; ) {
    await new Promise((r) => setTimeout(r, 250));
    if (consumer.running || consumer.started !== started) quietSince = Date.now();
    started = consumer.started;
  }
}

/** A request the schema allows, to make the resources the hostile ones then aim at. */
function validSpec(doc: Doc, o: Op, creds: Credentials, i: number): Spec {
  const r = requestOf(o, validParams(o));
  const b = bodyOf(doc, o);
  return {
    name: "valid",
    path: r.path,
    headers: { ...r.headers, ...authHeader(o.op, creds, i), ...(b ? { "content-type": b.type } : {}) },
    body: b ? encode(b.type, validValue(doc, gen, b.schema)) : undefined,
  };
}

it("no write operation answers hostile input with a 5xx, an untyped 4xx or a write", async () => {
  const doc = (await (await call("/api/v1/openapi.json")).json()) as Doc;
  const key = await newKey(["admin"]);
  const tokens: string[] = [];
  for (let i = 0; i < 8; i++) {
    // Visitors known beforehand: signing in records a visitor, which is not the request's write.
    const person = { externalId: `hostile-visitor-${i}`, email: `visitor${i}@example.com`, name: `Visitor ${i}` };
    await upsertContact(db(), person);
    tokens.push(await identityToken({ id: person.externalId, email: person.email, name: person.name }));
  }
  const creds = { key, tokens };
  onTestFinished(watchConsumer());
  const ops: Op[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ["post", "put", "patch", "delete"].includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, op })),
  );
  // Deletions last, so the resources the others work on exist while they run.
  ops.sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

  const failures: string[] = [];
  const reached = new Set<Op>();
  const unsure: Array<{ o: Op; spec: Spec }> = [];
  const wrote = (o: Op, spec: Spec, status: number, diff: string[]) =>
    failures.push(`${o.method} ${o.path} [${spec.name}] refused with ${status} but wrote to ${diff.join(", ")}`);
  /**
   * Sends, judges the answer, and checks a refusal left every table's row count as it was. A
   * change while the queue consumer ran may be the consumer's: that request is sent again later.
   */
  async function attempt(o: Op, spec: Spec) {
    const { out, diff, alone } = await observe(() => send(o.method, spec));
    const wrong = judge(o.op, out);
    if (wrong) failures.push(`${o.method} ${o.path} [${spec.name}] ${wrong}`);
    if (out.status >= 400 && diff.length) {
      if (alone) wrote(o, spec, out.status, diff);
      else unsure.push({ o, spec });
    }
    if (out.status < 300) reached.add(o);
    if (out.status < 300 && out.type.includes("json")) harvest(JSON.parse(out.text), labelOf(o.path));
    return out;
  }

  for (const o of ops.filter((x) => x.method !== "DELETE")) {
    for (let i = 0, made = 0; i < 6 && made < 2; i++) {
      if ((await attempt(o, validSpec(doc, o, creds, i))).status < 300) made++;
    }
  }
  for (const path of Object.keys(doc.paths).filter((p) => doc.paths[p].get && !p.includes("{"))) {
    const out = await send("GET", { name: "list", path, headers: { authorization: `Bearer ${key}` } });
    if (out.status === 200 && out.type.includes("json")) harvest(JSON.parse(out.text), labelOf(path));
  }
  for (const o of ops) {
    for (const spec of plan(doc, o, creds)) await attempt(o, spec);
  }
  for (const { o, spec } of unsure) {
    for (let settled = false, tries = 0; !settled && tries < 3; tries++) {
      await quiesce();
      const { out, diff, alone } = await observe(() => send(o.method, spec));
      settled = alone || out.status < 400;
      if (alone && out.status >= 400 && diff.length) wrote(o, spec, out.status, diff);
    }
  }
  expect(failures).toEqual([]);
  // The generated requests must keep reaching the handlers, not only the first 400.
  expect(reached.size).toBeGreaterThan(ops.length * 0.7);
}, 120_000);
