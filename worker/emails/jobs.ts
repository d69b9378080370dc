import { z } from "@hono/zod-openapi";
import { scrubArchive } from "../lib/archive.ts";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf, type QueueMessage } from "../lib/queue.ts";
import type { RetentionTask } from "../lib/retention.ts";
import { deliverMessage } from "./deliver.ts";
import { SCRUB_OBJECTS_PER_MESSAGE } from "./erase.ts";
import { evaluateTrigger } from "./evaluate.ts";
import { ScrubArchiveMessage } from "./schemas.ts";
import { dueQueued, sweepDue } from "./store/outbox.ts";
import { emailsRetentionTasks } from "./store/retention.ts";
import { backfillDue, backfillStep } from "./store/rollups.ts";
import { enabledTriggers, loadTrigger } from "./store/triggers.ts";
import { staleSendingMs } from "./uncertain.ts";

/** Queue messages that deliver `ids`. */
const deliverMessages = (ids: string[]): QueueMessage[] => ids.map((id) => ({ kind: "emails.deliver" as const, id }));

/** The queue handlers of emails. */
export const emailsJobs = {
  // Fans out one delivery per due queued message (after emailStatements + kickEmails).
  "emails.dispatch": defineJob({
    schema: z.object({ kind: z.literal("emails.dispatch"), after: z.string().max(64).optional() }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const after of new Set(messages.map((m) => m.body.after ?? ""))) {
        const ids = await dueQueued(db, Date.now(), after);
        await enqueue(env, deliverMessages(ids));
        // A full page: the next dispatch continues after its last id.
        if (ids.length === 1000) await enqueue(env, { kind: "emails.dispatch", after: ids[ids.length - 1] });
      }
      for (const m of messages) m.message.ack();
    },
  }),
  "emails.deliver": defineJob({
    schema: z.object({ kind: z.literal("emails.deliver"), id: z.string().min(1).max(64) }),
    async run(messages, env) {
      await Promise.all(
        messages.map(async ({ body, message }) => {
          const result = await deliverMessage(env, body.id, Date.now());
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
        if (out.more) await enqueue(env, { kind: "emails.evaluate", triggerId: id });
      }
      if (wrote) await enqueue(env, { kind: "emails.dispatch" });
      for (const m of messages) m.message.ack();
    },
  }),
  // Rewrites the archive without an erased contact's rows; continues itself while objects remain.
  "emails.scrub-archive": defineJob({
    schema: ScrubArchiveMessage,
    async run(messages, env) {
      for (const { body, message } of messages) {
        const { next } = await scrubArchive(env.ARCHIVE, { ...body, limit: SCRUB_OBJECTS_PER_MESSAGE });
        if (next) await enqueue(env, { ...body, cursor: next });
        message.ack();
      }
    },
  }),
  // Fills the daily rollups from raw rows written before they existed, a few days per step.
  "emails.rollup_backfill": defineJob({
    schema: z.object({ kind: z.literal("emails.rollup_backfill") }),
    async run(messages, env) {
      if (await backfillStep(getDb(env.DB), Date.now())) await enqueue(env, { kind: "emails.rollup_backfill" });
      for (const m of messages) m.message.ack();
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof emailsJobs> {}
}

/** Cron decides: which triggers to evaluate, which deferred or lost sends are due, whether the rollup backfill goes on. */
export const emailsCron: CronTask[] = [
  async (env, now) => {
    const db = getDb(env.DB);
    const triggers = await enabledTriggers(db);
    return [
      ...triggers.map((t) => ({ kind: "emails.evaluate" as const, triggerId: t.id })),
      ...deliverMessages(await sweepDue(db, now, staleSendingMs(env))),
      ...((await backfillDue(db)) ? [{ kind: "emails.rollup_backfill" as const }] : []),
    ];
  },
];

/** Raw rows emails prunes after archiving them: events, then message bodies, then messages. */
export const emailsRetention: RetentionTask[] = emailsRetentionTasks;
