import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { isNull, like } from "drizzle-orm";
import { expect, it } from "vitest";
import { webhookDeliveries, webhookEvents } from "../../db/schema/index.ts";
import worker from "../../worker/index.ts";
import { insertChunks, runBatch } from "../../worker/lib/db.ts";
import { call, db, newKey } from "./helpers.ts";

/** Runs one `webhook.sweep` message through the Worker's queue handler; returns what it retried. */
async function sweep() {
  const batch = createMessageBatch("rapport-jobs", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { kind: "webhook.sweep" } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return (await getQueueResult(batch, ctx)).retryMessages;
}

it("a sweep fans out 250 waiting events, more than one IN list of D1's 100 parameters holds", async () => {
  const d = db();
  await call("/api/v1/webhooks", {
    method: "POST",
    key: await newKey(),
    json: { url: `${env.RECEIVER_URL}/sweep-250`, eventTypes: ["sweep.*"] },
  });
  const events = Array.from({ length: 250 }, (_, i) => ({
    id: `msg_sweep_${String(i).padStart(3, "0")}`,
    type: "sweep.created",
    payload: { i },
    createdAt: i,
  }));
  await runBatch(d, insertChunks(d, webhookEvents, events));

  // A sweep takes the oldest 200; the next takes the other 50. Neither fails and is retried.
  expect(await sweep()).toEqual([]);
  expect(await d.$count(webhookEvents, isNull(webhookEvents.fannedOutAt))).toBe(50);
  expect(await sweep()).toEqual([]);
  expect(await d.$count(webhookEvents, isNull(webhookEvents.fannedOutAt))).toBe(0);
  expect(await d.$count(webhookDeliveries, like(webhookDeliveries.eventId, "msg_sweep_%"))).toBe(250);
});
