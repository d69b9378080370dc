// Queue handlers of kpis (daily snapshots and their alerts) and the cron task that feeds them.
import { kickEmails } from "../emails/index.ts";
import { getDb } from "../lib/db.ts";
import { z } from "../lib/openapi.ts";
import { type CronTask, defineJob, type MessagesOf } from "../lib/queue.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { dueSnapshotDays, snapshotDay } from "./store/snapshots.ts";

/** Queue message kinds this capability handles (prefix `kpis.`). */
export const kpisJobs = {
  "kpis.snapshot": defineJob({
    schema: z.object({
      kind: z.literal("kpis.snapshot"),
      day: z.number().int().nonnegative(),
      recompute: z.boolean().default(false),
      alert: z.boolean().default(false),
    }),
    async run(messages, env) {
      const db = getDb(env.DB);
      // One day at a time: each is a dozen reads and one batch of writes.
      let alerts = 0;
      for (const { body, message } of messages) {
        alerts += (await snapshotDay(db, body)).alerts;
        message.ack();
      }
      if (alerts) await Promise.all([kickWebhooks(env), kickEmails(env)]);
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof kpisJobs> {}
}

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const kpisCron: CronTask[] = [(env, now) => dueSnapshotDays(getDb(env.DB), now)];
