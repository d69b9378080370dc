// Webhook endpoints as people manage them, the test event, and the delivery log.
import { and, desc, eq, lt } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { DeliveryState, WebhookEndpoint } from "../../lib/store/webhooks.ts";
import { emit, newWebhookSecret } from "../../lib/webhooks.ts";

type EndpointFields = { url?: string; description?: string; eventTypes?: string[]; enabled?: boolean };

export async function listWebhookEndpoints(db: Db): Promise<WebhookEndpoint[]> {
  return db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id));
}

/** Adds an enabled endpoint with a new signing secret; event types are kept once each. */
export async function createWebhookEndpoint(
  db: Db,
  body: { url: string; description?: string; eventTypes: string[] },
  now: number,
): Promise<WebhookEndpoint> {
  const row = {
    id: newId("whe"),
    url: body.url,
    description: body.description ?? null,
    eventTypes: [...new Set(body.eventTypes)],
    secret: newWebhookSecret(),
    enabled: true,
    createdAt: now,
  };
  await db.insert(webhookEndpoints).values(row);
  return row;
}

/** Applies the fields `patch` carries (none: changes nothing); undefined when there is no such endpoint. */
export async function updateWebhookEndpoint(
  db: Db,
  id: string,
  patch: EndpointFields,
): Promise<WebhookEndpoint | undefined> {
  const set = changesOf({ ...patch, ...(patch.eventTypes ? { eventTypes: [...new Set(patch.eventTypes)] } : {}) });
  const [row] = set
    ? await db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning()
    : await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

/** Removes an endpoint (its delivery log stays); undefined when there is none. */
export async function deleteWebhookEndpoint(db: Db, id: string): Promise<WebhookEndpoint | undefined> {
  const [row] = await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning();
  return row;
}

/** Emits a `webhook.test` event for endpoint `id`; its id, or null when there is no such endpoint. */
export async function emitTestEvent(db: Db, id: string): Promise<string | null> {
  const ep = await db.query.webhookEndpoints.findFirst({ where: eq(webhookEndpoints.id, id) });
  if (!ep) return null;
  const event = emit(db, "webhook.test", { endpointId: id, message: "Hello from Rapport" });
  const [[inserted]] = await db.batch([event.returning({ id: webhookEvents.id })]);
  return inserted.id;
}

/** The delivery log newest first, with each event's type: `limit + 1` deliveries before the id `cursor`. */
export async function listDeliveries(
  db: Db,
  q: { limit: number; cursor?: string; endpointId?: string; state?: DeliveryState },
) {
  const rows = await db
    .select({ d: webhookDeliveries, eventType: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        q.cursor ? lt(webhookDeliveries.id, q.cursor) : undefined,
        q.endpointId ? eq(webhookDeliveries.endpointId, q.endpointId) : undefined,
        q.state ? eq(webhookDeliveries.state, q.state) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(q.limit + 1);
  return rows.map((r) => ({ ...r.d, eventType: r.eventType }));
}
