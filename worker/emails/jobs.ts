import { z } from "@hono/zod-openapi";
import { chunk, getDb } from "../lib/db.ts";
import { type CronTask, defineJob, type JobHandler } from "../lib/jobs-types.ts";
import { deliverMessage } from "./deliver.ts";
import { deliverMessages, dueQueued, sweepDue } from "./outbox.ts";

async function enqueue(env: Env, messages: Array<{ kind: string } & Record<string, unknown>>) {
  for (const part of chunk(messages, 100)) await env.JOBS.sendBatch(part.map((body) => ({ body })));
}

export const emailsJobs: Record<string, JobHandler> = {
  // Fans out one delivery per due queued message (after emailStatements + kickEmails).
  "emails.dispatch": defineJob({
    schema: z.object({ kind: z.literal("emails.dispatch") }),
    async run(messages, env) {
      await enqueue(env, deliverMessages(await dueQueued(getDb(env.DB), Date.now())));
      for (const m of messages) m.message.ack();
    },
  }),
  "emails.deliver": defineJob({
    schema: z.object({ kind: z.literal("emails.deliver"), id: z.string().min(1).max(64) }),
    async run(messages, env) {
      await Promise.all(
        messages.map(async ({ body, message }) => {
          const result = await deliverMessage(env, body.id);
          if (result.outcome === "retry") message.retry({ delaySeconds: result.delaySeconds });
          else message.ack();
        }),
      );
    },
  }),
};

export const emailsCron: CronTask[] = [(env, now) => sweepDue(getDb(env.DB), now)];
