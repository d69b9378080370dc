import { z } from "@hono/zod-openapi";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf, type QueueMessage } from "../lib/queue.ts";
import type { RetentionTask } from "../lib/retention.ts";
import { deliverWebhook, fanOutEvents, retryDelaySeconds, staleWebhookWork } from "../lib/webhooks.ts";
import { dueRetentionRun, runRetention } from "./retention.ts";
import { insertDeadLetters } from "./store/dead-letters.ts";
import { platformRetentionTasks } from "./store/retention.ts";

const RetentionMessage = z.object({
  kind: z.literal("platform.retention"),
  runId: z.string().min(1).max(64),
  at: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
});

/**
 * The platform's queue handlers. `retention` is every capability's raw rows, in the order they
 * are pruned (the job registry gathers them; the platform's own come last).
 */
export const platformJobs = (deps: { retention: RetentionTask[] }) => ({
  "webhook.sweep": defineJob({
    schema: z.object({ kind: z.literal("webhook.sweep") }),
    async run(messages, env) {
      const ids = await fanOutEvents(getDb(env.DB));
      await enqueue(
        env,
        ids.map((deliveryId) => ({ kind: "webhook.deliver" as const, deliveryId })),
      );
      for (const m of messages) m.message.ack();
    },
  }),
  "webhook.deliver": defineJob({
    schema: z.object({ kind: z.literal("webhook.deliver"), deliveryId: z.string().min(1).max(64) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      await Promise.all(
        messages.map(async ({ body, message }) => {
          const { outcome, attempt } = await deliverWebhook(env, db, body.deliveryId);
          if (outcome === "retry") message.retry({ delaySeconds: retryDelaySeconds(attempt) });
          else message.ack();
        }),
      );
    },
  }),
  // Archives and prunes raw rows past their windows; continues itself while rows remain.
  "platform.retention": defineJob({
    schema: RetentionMessage,
    async run(messages, env) {
      const tasks = [...deps.retention, ...platformRetentionTasks];
      for (const { body, message } of messages) {
        const next = await runRetention(env, tasks, body);
        if (next) await enqueue(env, { kind: "platform.retention", ...next });
        message.ack();
      }
    },
  }),
});

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<ReturnType<typeof platformJobs>> {}
}

export const platformCron: CronTask[] = [
  (env, now) => staleWebhookWork(getDb(env.DB), now),
  async (_env, now) => {
    const run = dueRetentionRun(now);
    return run ? [{ kind: "platform.retention" as const, ...run }] : [];
  },
];

/** How many messages of each kind a cron tick enqueued. */
export function countByKind(messages: QueueMessage[]): Record<string, number> {
  const byKind: Record<string, number> = {};
  for (const m of messages) byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
  return byKind;
}

/**
 * Keeps a batch of the dead-letter queue for people to see, then acks it: messages parked by
 * the registry carry their `reason`; the others ran out of retries.
 */
export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const rows = batch.messages.map((m) => {
    const b = m.body as { reason?: unknown } | null;
    return {
      id: m.id,
      queue: batch.queue,
      reason: typeof b?.reason === "string" ? b.reason : "retries-exhausted",
      body: JSON.stringify(m.body),
      receivedAt: m.timestamp.getTime(),
    };
  });
  await insertDeadLetters(getDb(env.DB), rows);
  batch.ackAll();
}

/** Records one cron tick (what was enqueued, by kind), for the health page. */
export { recordCronRun } from "./store/cron-runs.ts";
