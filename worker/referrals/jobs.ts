// Queue handlers of referrals (clicks, holds, retention) and the cron tasks that feed them.
import { chunk, type Db, getDb } from "../lib/db.ts";
import type { z } from "../lib/openapi.ts";
import { type CronTask, defineJob, type MessagesOf } from "../lib/queue.ts";
import type { RetentionTask } from "../lib/retention.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { ClearHoldsMessage, ClicksMessage, type ClickTuple, LegacyClicksMessage, QualifyMessage } from "./schemas.ts";
import { clicksRetention } from "./store/click-days.ts";
import { recordClicks } from "./store/clicks.ts";
import { dueRetentionQualifications, qualifyRetained } from "./store/retention.ts";
import { clearHolds, dueHoldClearances } from "./store/rewards.ts";

async function writeClicks(
  messages: Array<{ body: { clicks: ClickTuple[] }; message: Message<unknown> }>,
  env: Env,
): Promise<void> {
  await recordClicks(
    getDb(env.DB),
    messages.flatMap((m) => m.body.clicks),
    Date.now(),
  );
  for (const m of messages) m.message.ack();
}

/** A job that moves rewards: `apply` counts what it changed, and any change sends webhooks on their way. */
function ledgerJob<T extends z.ZodType>(schema: T, apply: (db: Db, body: z.infer<T>) => Promise<number>) {
  return defineJob({
    schema,
    async run(messages, env) {
      const db = getDb(env.DB);
      let changed = 0;
      for (const m of messages) changed += await apply(db, m.body);
      if (changed) await kickWebhooks(env);
      for (const m of messages) m.message.ack();
    },
  });
}

/** Queue message kinds this capability handles (prefix `referrals.`). */
export const referralsJobs = {
  // Clicks from the redirect, written in multi-row inserts (idempotent by click id).
  "referrals.clicks": defineJob({ schema: ClicksMessage, run: writeClicks }),
  // The same, in the named-object form queued by earlier versions.
  "referrals.click": defineJob({ schema: LegacyClicksMessage, run: writeClicks }),
  // Held rewards whose hold passed: approve them (a second delivery finds them approved and does nothing).
  "referrals.clear-holds": ledgerJob(ClearHoldsMessage, (db, body) => clearHolds(db, body.rewardIds)),
  // Referrals of "active after N days" programs whose customer is still around: qualify them.
  "referrals.qualify": ledgerJob(QualifyMessage, (db, body) => qualifyRetained(db, body.attributionIds)),
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

/** Raw rows referrals prunes after archiving them: clicks, once their day is sealed into rollups. */
export const referralsRetention: RetentionTask[] = [clicksRetention];
