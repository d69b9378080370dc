import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../../db/schema/index.ts";
import { fromBase64, hmacSha256, toBase64 } from "./crypto.ts";
import { chunk, type Db, rowsPerInsert } from "./db.ts";
import { newId } from "./ids.ts";
import { RefusedUrl, safeFetch } from "./outbound.ts";
import { enqueue, type QueueMessage } from "./queue.ts";
import type { OutboundEnv } from "./urls.ts";

export const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * Records an outbound event as a batchable insert: put it in the same `db.batch()` as the
 * change it announces, so the event exists exactly when the change does. Delivery follows
 * from the queue (`kickWebhooks` right away, and the cron sweep as a backstop).
 */
export function emit(db: Db, type: string, payload: unknown, now = Date.now()) {
  return db.insert(webhookEvents).values({ id: newId("msg", now), type, payload, createdAt: now });
}

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
  const events = await db
    .select({ id: webhookEvents.id, type: webhookEvents.type })
    .from(webhookEvents)
    .where(isNull(webhookEvents.fannedOutAt))
    .orderBy(webhookEvents.createdAt)
    .limit(200);
  if (!events.length) return [];
  const endpoints = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true));
  const rows = events.flatMap((ev) =>
    endpoints
      .filter((ep) => matches(ep.eventTypes, ev.type))
      .map((ep) => ({ id: newId("whd", now), eventId: ev.id, endpointId: ep.id, createdAt: now, updatedAt: now })),
  );
  const writes = [
    ...chunk(rows, rowsPerInsert(5)).map((part) => db.insert(webhookDeliveries).values(part).onConflictDoNothing()),
    db
      .update(webhookEvents)
      .set({ fannedOutAt: now })
      .where(
        inArray(
          webhookEvents.id,
          events.map((e) => e.id),
        ),
      ),
  ];
  await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
  // Another sweep may have won the race for some pairs: deliver what exists, whoever made it.
  const pending = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(
          webhookDeliveries.eventId,
          events.map((e) => e.id),
        ),
        eq(webhookDeliveries.state, "pending"),
      ),
    );
  return pending.map((p) => p.id);
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
  const [row] = await db
    .select({ d: webhookDeliveries, ep: webhookEndpoints, ev: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId));
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
  await db
    .update(webhookDeliveries)
    .set({
      state,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastStatus: status,
      lastError: ok ? null : (error ?? `HTTP ${status}`),
      updatedAt: now,
    })
    .where(eq(webhookDeliveries.id, deliveryId));
  return { outcome: ok ? "succeeded" : state === "failed" ? "failed" : "retry", attempt };
}

/** Exponential backoff for delivery retries: 10 s, 20 s, 40 s … capped at an hour. */
export const retryDelaySeconds = (attempt: number) => Math.min(3600, 10 * 2 ** Math.max(0, attempt - 1));

/** Cron: anything left waiting (a lost queue send, a crashed consumer) is picked up again. */
export async function staleWebhookWork(db: Db, now = Date.now()): Promise<QueueMessage[]> {
  const [waiting] = await db
    .select({ n: sql<number>`count(*)` })
    .from(webhookEvents)
    .where(isNull(webhookEvents.fannedOutAt));
  const stale = await db
    .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.state, "pending"), lt(webhookDeliveries.updatedAt, now - 15 * 60_000)))
    .limit(100);
  return [
    ...(waiting.n > 0 ? [{ kind: "webhook.sweep" } as const] : []),
    ...stale.map((d) => ({ kind: "webhook.deliver" as const, deliveryId: d.id })),
  ];
}
