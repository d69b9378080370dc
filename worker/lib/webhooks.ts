// Outbound webhooks (Standard Webhooks): signing, sending, fan-out and retries. Queries in store/webhooks.ts.
import { fromBase64, hmacSha256, toBase64 } from "./crypto.ts";
import type { Db } from "./db.ts";
import { RefusedUrl, safeFetch } from "./outbound.ts";
import { enqueue, type QueueMessage } from "./queue.ts";
import {
  enabledEndpoints,
  eventsToFanOut,
  findDelivery,
  recordDeliveryAttempt,
  recordFanOut,
  staleWebhookRows,
} from "./store/webhooks.ts";
import type { OutboundEnv } from "./urls.ts";

export { emit } from "./store/webhooks.ts";

export const MAX_DELIVERY_ATTEMPTS = 8;

/** Asks the queue to fan out whatever events are waiting. Safe to call any number of times. */
export async function kickWebhooks(env: Env): Promise<void> {
  await enqueue(env, { kind: "webhook.sweep" });
}

export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${toBase64(bytes)}`;
}

/** Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(secret, `${id}.${ts}.${body}`)). */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = fromBase64(secret.replace(/^whsec_/, ""));
  return `v1,${toBase64(await hmacSha256(key, `${id}.${timestamp}.${body}`))}`;
}

/**
 * POSTs a Standard Webhooks message: JSON `body`, signed with `secret`, no redirects followed, the
 * URL checked against the outbound rule first (throws `RefusedUrl`). The caller reads or cancels
 * the response body.
 */
export async function sendSignedWebhook(
  env: OutboundEnv,
  to: { url: string; secret: string },
  msg: { id: string; body: string; userAgent: string; timeoutMs?: number },
  now: number,
): Promise<Response> {
  const timestamp = Math.floor(now / 1000);
  return safeFetch(
    to.url,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": msg.userAgent,
        "webhook-id": msg.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signWebhook(to.secret, msg.id, timestamp, msg.body),
      },
      body: msg.body,
      signal: AbortSignal.timeout(msg.timeoutMs ?? 10_000),
    },
    env,
  );
}

/** Sends a signed webhook and reports its HTTP status, or why none came back (never throws). */
export async function postWebhook(
  env: OutboundEnv,
  to: { url: string; secret: string },
  msg: { id: string; body: string; userAgent: string },
  now: number,
): Promise<{ status: number | null; error: string | null; refused: boolean }> {
  try {
    const res = await sendSignedWebhook(env, to, msg, now);
    await res.body?.cancel();
    return { status: res.status, error: null, refused: false };
  } catch (e) {
    const error = e instanceof Error ? e.message.slice(0, 300) : "request failed";
    return { status: null, error, refused: e instanceof RefusedUrl };
  }
}

const matches = (types: string[], type: string) =>
  types.some((t) => t === "*" || t === type || (t.endsWith(".*") && type.startsWith(t.slice(0, -1))));

/** Creates a delivery per (waiting event, subscribed endpoint) and returns their ids. Idempotent. */
export async function fanOutEvents(db: Db, now = Date.now()): Promise<string[]> {
  const events = await eventsToFanOut(db);
  if (!events.length) return [];
  const endpoints = await enabledEndpoints(db);
  const pairs = events.flatMap((ev) =>
    endpoints.filter((ep) => matches(ep.eventTypes, ev.type)).map((ep) => ({ eventId: ev.id, endpointId: ep.id })),
  );
  // Another sweep may have won the race for some pairs: deliver what exists, whoever made it.
  return recordFanOut(
    db,
    events.map((e) => e.id),
    pairs,
    now,
  );
}

export type DeliveryOutcome = { outcome: "succeeded" | "retry" | "failed" | "skipped"; attempt: number };

/**
 * Sends one delivery. Returns what the queue should do next. The URL is checked again here (the
 * rule or the endpoint may have changed since it was saved): a refused one fails at once.
 */
export async function deliverWebhook(
  env: OutboundEnv,
  db: Db,
  deliveryId: string,
  now = Date.now(),
): Promise<DeliveryOutcome> {
  const row = await findDelivery(db, deliveryId);
  if (row?.d.state !== "pending" || !row.ep.enabled) return { outcome: "skipped", attempt: 0 };
  const attempt = row.d.attempts + 1;
  const body = JSON.stringify({
    type: row.ev.type,
    timestamp: new Date(row.ev.createdAt).toISOString(),
    data: row.ev.payload,
  });
  const { status, error, refused } = await postWebhook(
    env,
    row.ep,
    { id: row.ev.id, body, userAgent: "Rapport-Webhooks/1" },
    now,
  );
  const ok = status !== null && status >= 200 && status < 300;
  const state = ok ? "succeeded" : refused || attempt >= MAX_DELIVERY_ATTEMPTS ? "failed" : "pending";
  await recordDeliveryAttempt(
    db,
    deliveryId,
    { state, lastStatus: status, lastError: ok ? null : (error ?? `HTTP ${status}`) },
    now,
  );
  return { outcome: ok ? "succeeded" : state === "failed" ? "failed" : "retry", attempt };
}

/** Exponential backoff for delivery retries: 10 s, 20 s, 40 s … capped at an hour. */
export const retryDelaySeconds = (attempt: number) => Math.min(3600, 10 * 2 ** Math.max(0, attempt - 1));

/** Cron: anything left waiting (a lost queue send, a crashed consumer) is picked up again. */
export async function staleWebhookWork(db: Db, now = Date.now()): Promise<QueueMessage[]> {
  const { waiting, stale } = await staleWebhookRows(db, now);
  return [
    ...(waiting ? [{ kind: "webhook.sweep" } as const] : []),
    ...stale.map((deliveryId) => ({ kind: "webhook.deliver" as const, deliveryId })),
  ];
}
