// What other capabilities and the platform may use of kpis. Nothing else is imported from outside.
import { kickEmails } from "../emails/index.ts";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, type JobHandler } from "../lib/jobs-types.ts";
import { z } from "../lib/openapi.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { dueSnapshotDays, snapshotDay } from "./snapshots.ts";

export { KPI_DEFINITIONS } from "./definitions.ts";
/** Signed one-click NPS links (scores 0-10) for an email to a contact: for emails' templates. */
export { npsLinks } from "./nps.ts";
export { kpisRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `kpis.`). */
export const kpisJobs: Record<string, JobHandler> = {
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

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const kpisCron: CronTask[] = [(env, now) => dueSnapshotDays(getDb(env.DB), now)];
