import { z } from "@hono/zod-openapi";
import { kickEmails } from "../emails/index.ts";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf, type QueueMessage } from "../lib/queue.ts";
import { lastMonthOf } from "./digest.ts";
import { digestWritten, writeDigest } from "./store/digest.ts";
import { replayEvents } from "./store/events.ts";
import { recordTold } from "./store/told.ts";
import { recomputeTrending } from "./store/trending.ts";
import { TRENDING_SLOT_MS } from "./trending.ts";

export const feedbackJobs = {
  "feedback.trending": defineJob({
    schema: z.object({ kind: z.literal("feedback.trending"), slot: z.number().int().min(0) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        await recomputeTrending(db, body.slot);
        message.ack();
      }
    },
  }),
  // Hands stored loop events to the emails contract again (after the emails capability arrives).
  "feedback.replay": defineJob({
    schema: z.object({ kind: z.literal("feedback.replay"), cursor: z.string().max(64) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        const next = await replayEvents(db, body.cursor);
        if (next) await enqueue(env, { kind: "feedback.replay", cursor: next });
        message.ack();
      }
      await kickEmails(env);
    },
  }),
  "feedback.digest": defineJob({
    schema: z.object({ kind: z.literal("feedback.digest"), month: z.string().regex(/^\d{4}-\d{2}$/) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        await writeDigest(db, body.month, env.PUBLIC_URL);
        message.ack();
      }
      await kickEmails(env);
    },
  }),
  // Keeps who was told an idea shipped (from the outbox, before it prunes): once per notice and contact.
  "feedback.told": defineJob({
    schema: z.object({ kind: z.literal("feedback.told"), at: z.number().int().min(0) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      await recordTold(db, Math.max(...messages.map((m) => m.body.at)));
      for (const { message } of messages) message.ack();
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof feedbackJobs> {}
}

/**
 * Every minute: ask for the trending run of the current 10-minute slot (the consumer does it once).
 * Until last month's digest exists: ask for it (written once per month).
 * Once an hour: copy who was told an idea shipped from the outbox.
 */
export const feedbackCron: CronTask[] = [
  async (env, now) => {
    const messages: QueueMessage[] = [{ kind: "feedback.trending", slot: Math.floor(now / TRENDING_SLOT_MS) }];
    const lastMonth = lastMonthOf(now);
    if (!(await digestWritten(getDb(env.DB), lastMonth))) messages.push({ kind: "feedback.digest", month: lastMonth });
    if (Math.floor(now / 60_000) % 60 === 7) messages.push({ kind: "feedback.told", at: now });
    return messages;
  },
];
