import { z } from "@hono/zod-openapi";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf } from "../lib/queue.ts";
import { deliverWebhook, fanOutEvents, retryDelaySeconds, staleWebhookWork } from "../lib/webhooks.ts";

export const platformJobs = {
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
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof platformJobs> {}
}

export const platformCron: CronTask[] = [(env, now) => staleWebhookWork(getDb(env.DB), now)];
