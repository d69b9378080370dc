// The webhook outbox's queries: events waiting to fan out, deliveries to send, and their attempts.
import { and, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../../../db/schema/index.ts";
import { chunk, type Db, IN_LIST_MAX, insertChunks, runBatch } from "../db.ts";
import { newId } from "../ids.ts";

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type DeliveryState = (typeof webhookDeliveries.$inferSelect)["state"];

/**
 * Records an outbound event as a batchable insert: put it in the same `db.batch()` as the
 * change it announces, so the event exists exactly when the change does. Delivery follows
 * from the queue (`kickWebhooks` right away, and the cron sweep as a backstop). A fixed `id` makes
 * the event once-only: emitting it again changes nothing.
 */
export function emit(db: Db, type: string, payload: unknown, now = Date.now(), id = newId("msg", now)) {
  return db.insert(webhookEvents).values({ id, type, payload, createdAt: now }).onConflictDoNothing();
}

/**
 * Like `emit`, for an event that SQL decides inside the batch: one row per row of `from` (or one)
 * where `when` holds, with an `id` and JSON `payload` computed there. The id is the event's unique
 * key: a second write of the same id does nothing, so the event exists once.
 */
export function emitWhere(db: Db, e: { id: SQL; type: string; payload: SQL; from?: SQL; when: SQL }, now: number) {
  // The select gives every column of webhook_events in the table's order (fanned_out_at: null).
  return db
    .insert(webhookEvents)
    .select(sql`select ${e.id}, ${e.type}, ${e.payload}, ${now}, null ${e.from ?? sql``} where ${e.when}`)
    .onConflictDoNothing();
}

/** The oldest events not fanned out yet (at most 200). */
export async function eventsToFanOut(db: Db): Promise<Array<{ id: string; type: string }>> {
  return db
    .select({ id: webhookEvents.id, type: webhookEvents.type })
    .from(webhookEvents)
    .where(isNull(webhookEvents.fannedOutAt))
    .orderBy(webhookEvents.createdAt)
    .limit(200);
}

export async function enabledEndpoints(db: Db): Promise<WebhookEndpoint[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true));
}

/**
 * In one batch: a delivery per (event, endpoint) pair not already there, and the events marked
 * fanned out. Then every pending delivery of those events, whichever sweep made it.
 */
export async function recordFanOut(
  db: Db,
  eventIds: string[],
  pairs: Array<{ eventId: string; endpointId: string }>,
  now: number,
): Promise<string[]> {
  const rows = pairs.map((p) => ({ id: newId("whd", now), ...p, createdAt: now, updatedAt: now }));
  const parts = chunk(eventIds, IN_LIST_MAX);
  await runBatch(db, [
    ...insertChunks(db, webhookDeliveries, rows),
    ...parts.map((part) => db.update(webhookEvents).set({ fannedOutAt: now }).where(inArray(webhookEvents.id, part))),
  ]);
  const pending = await runBatch(
    db,
    parts.map((part) =>
      db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(inArray(webhookDeliveries.eventId, part), eq(webhookDeliveries.state, "pending"))),
    ),
  );
  return (pending as Array<Array<{ id: string }>>).flat().map((p) => p.id);
}

/** A delivery with its endpoint and event, to send. */
export async function findDelivery(db: Db, deliveryId: string) {
  const [row] = await db
    .select({ d: webhookDeliveries, ep: webhookEndpoints, ev: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId));
  return row;
}

/** Counts one more attempt of a delivery and what came of it. */
export async function recordDeliveryAttempt(
  db: Db,
  deliveryId: string,
  result: { state: DeliveryState; lastStatus: number | null; lastError: string | null },
  now: number,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ ...result, attempts: sql`${webhookDeliveries.attempts} + 1`, updatedAt: now })
    .where(eq(webhookDeliveries.id, deliveryId));
}

/** Whether any event waits to fan out, and deliveries pending untouched for 15 minutes (at most 100). */
export async function staleWebhookRows(db: Db, now: number) {
  const [waiting] = await db
    .select({ n: sql<number>`count(*)` })
    .from(webhookEvents)
    .where(isNull(webhookEvents.fannedOutAt));
  const stale = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.state, "pending"), lt(webhookDeliveries.updatedAt, now - 15 * 60_000)))
    .limit(100);
  return { waiting: waiting.n > 0, stale: stale.map((d) => d.id) };
}
