import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { expect } from "vitest";
import type { ApiScope } from "../../db/schema/index.ts";
import worker from "../../worker/index.ts";
import { createApiKey } from "../../worker/lib/auth.ts";
import { getDb } from "../../worker/lib/db.ts";

export const db = () => getDb(env.DB);

/** A fresh API key with `scopes`, made the way the API makes them. */
export async function newKey(scopes: ApiScope[] = ["admin"]) {
  return (await createApiKey(db(), { name: `test ${scopes.join(",")}`, scopes })).key;
}

/** A request through the Worker's own fetch handler. JSON bodies are sent as JSON. */
export async function call(path: string, init: RequestInit & { key?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(
    new Request(`http://rapport.test${path}`, { ...init, headers, body, redirect: "manual" }),
  );
}

/** How many contacts a trigger with an `event` entry and `filters` would match now (the editor's live count). */
export async function matchCount(key: string, event: string, filters: unknown[]) {
  const res = await call("/api/v1/emails/triggers/match-count", {
    method: "POST",
    key,
    json: { entry: { kind: "event", event }, filters },
  });
  return (await res.json()) as { matching: number };
}

/** An identity token as the host app would sign it. */
export async function identityToken(
  claims: Record<string, unknown> = { id: "user-1", email: "ada@example.com", name: "Ada" },
  opts: { secret?: string; expiresIn?: string | number } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(opts.secret ?? env.IDENTITY_SECRET));
}

/** Polls until `check` returns a truthy value (queues and waitUntil work finish off the request path). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The PUBLIC_WRITES limiter counts in fixed 60 s windows: a burst that straddles a window's end
 * starts counting again. Waits (≤ 15 s) until the current window has 15 s left for the burst.
 */
export async function freshRateWindow(periodMs = 60_000, needMs = 15_000) {
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

/** Asserts an RFC 9457 answer with `status` and the problem type `slug`; returns its body. */
export async function problem(res: Response, status: number, slug: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { type: string; status: number; errors?: Array<{ path: string }> };
  expect(body.type).toBe(`urn:rapport:problem:${slug}`);
  expect(body.status).toBe(status);
  return body;
}

let jobSeq = 0;
/** Runs queue message bodies through the Worker's own consumer in one batch, as the queue would. */
export async function runJobs(...bodies: unknown[]) {
  const batch = createMessageBatch(
    "rapport-jobs",
    bodies.map((body) => ({ id: `job-${++jobSeq}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}
