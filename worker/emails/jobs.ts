import { z } from "@hono/zod-openapi";
import { chunk, getDb } from "../lib/db.ts";
import { type CronTask, defineJob, type JobHandler } from "../lib/jobs-types.ts";
import { deliverMessage } from "./deliver.ts";
import { evaluateTrigger, loadTrigger } from "./evaluate.ts";
import { deliverMessages, dueQueued, sweepDue } from "./outbox.ts";
import { enabledTriggers } from "./store.ts";

async function enqueue(env: Env, messages: Array<{ kind: string } & Record<string, unknown>>) {
  for (const part of chunk(messages, 100)) await env.JOBS.sendBatch(part.map((body) => ({ body })));
}

export const emailsJobs: Record<string, JobHandler> = {
  // Fans out one delivery per due queued message (after emailStatements + kickEmails).
  "emails.dispatch": defineJob({
    schema: z.object({ kind: z.literal("emails.dispatch"), after: z.string().max(64).optional() }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const after of new Set(messages.map((m) => m.body.after ?? ""))) {
        const ids = await dueQueued(db, Date.now(), after);
        await enqueue(env, deliverMessages(ids));
        // A full page: the next dispatch continues after its last id.
        if (ids.length === 1000) await env.JOBS.send({ kind: "emails.dispatch", after: ids[ids.length - 1] });
      }
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
  // Evaluates one trigger from its watermark; continues itself while candidates remain.
  "emails.evaluate": defineJob({
    schema: z.object({ kind: z.literal("emails.evaluate"), triggerId: z.string().min(1).max(64) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      const ids = [...new Set(messages.map((m) => m.body.triggerId))];
      let wrote = 0;
      for (const id of ids) {
        const trigger = await loadTrigger(db, id);
        if (!trigger?.enabled) continue;
        const out = await evaluateTrigger(db, trigger, Date.now(), env.EMAIL_DEFAULT_TIMEZONE || "UTC");
        wrote += out.queued;
        if (out.more) await env.JOBS.send({ kind: "emails.evaluate", triggerId: id });
      }
      if (wrote) await env.JOBS.send({ kind: "emails.dispatch" });
      for (const m of messages) m.message.ack();
    },
  }),
};

/** Cron decides: which triggers to evaluate and which deferred or lost sends are due. */
export const emailsCron: CronTask[] = [
  async (env, now) => {
    const db = getDb(env.DB);
    const triggers = await enabledTriggers(db);
    return [...triggers.map((t) => ({ kind: "emails.evaluate", triggerId: t.id })), ...(await sweepDue(db, now))];
  },
];
