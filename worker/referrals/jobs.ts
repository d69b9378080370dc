// Queue handlers of referrals (clicks, holds, retention) and the cron tasks that feed them.
import { z } from "@hono/zod-openapi";
import { chunk, getDb } from "../lib/db.ts";
import { type CronTask, defineJob, type MessagesOf } from "../lib/queue.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { ClicksMessage, type ClickTuple, LegacyClicksMessage, recordClicks } from "./clicks.ts";
import { dueRetentionQualifications, qualifyRetained } from "./retention.ts";
import { clearHolds, dueHoldClearances } from "./rewards.ts";

async function writeClicks(
  messages: Array<{ body: { clicks: ClickTuple[] }; message: Message<unknown> }>,
  env: Env,
): Promise<void> {
  await recordClicks(
    getDb(env.DB),
    messages.flatMap((m) => m.body.clicks),
  );
  for (const m of messages) m.message.ack();
}

/** Queue message kinds this capability handles (prefix `referrals.`). */
export const referralsJobs = {
  // Clicks from the redirect, written in multi-row inserts (idempotent by click id).
  "referrals.clicks": defineJob({ schema: ClicksMessage, run: writeClicks }),
  // The same, in the named-object form queued by earlier versions.
  "referrals.click": defineJob({ schema: LegacyClicksMessage, run: writeClicks }),
  // Held rewards whose hold passed: approve them (a second delivery finds them approved and does nothing).
  "referrals.clear-holds": defineJob({
    schema: z.object({ kind: z.literal("referrals.clear-holds"), rewardIds: z.array(z.string().max(64)).max(100) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      let cleared = 0;
      for (const m of messages) cleared += await clearHolds(db, m.body.rewardIds);
      if (cleared) await kickWebhooks(env);
      for (const m of messages) m.message.ack();
    },
  }),
  // Referrals of "active after N days" programs whose customer is still around: qualify them.
  "referrals.qualify": defineJob({
    schema: z.object({ kind: z.literal("referrals.qualify"), attributionIds: z.array(z.string().max(64)).max(100) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      let qualified = 0;
      for (const m of messages) qualified += await qualifyRetained(db, m.body.attributionIds);
      if (qualified) await kickWebhooks(env);
      for (const m of messages) m.message.ack();
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof referralsJobs> {}
}

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const referralsCron: CronTask[] = [
  async (env, now) =>
    chunk(await dueHoldClearances(getDb(env.DB), now), 50).map((rewardIds) => ({
      kind: "referrals.clear-holds" as const,
      rewardIds,
    })),
  async (env) =>
    chunk(await dueRetentionQualifications(getDb(env.DB)), 50).map((attributionIds) => ({
      kind: "referrals.qualify" as const,
      attributionIds,
    })),
];
