// Cron decides what is due (maintenance windows, monitors, missed heartbeats); the queue does it.
import type { z } from "@hono/zod-openapi";
import { chunk, type Db, getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf, type QueueMessage } from "../lib/queue.ts";
import type { RetentionTask } from "../lib/retention.ts";
import { retryDelaySeconds } from "../lib/webhooks.ts";
import { runCheck } from "./check.ts";
import { transitionMaintenance } from "./incidents.ts";
import { markHeartbeatMissed, recordRun } from "./monitors.ts";
import { deliverNotification } from "./notifications.ts";
import {
  HeartbeatMissedMessage,
  MaintenanceTransitionMessage,
  MonitorsRunMessage,
  NotifyDeliverMessage,
  NotifyFanoutMessage,
  RUNS_PER_MESSAGE,
} from "./schemas.ts";
import { maintenanceAtEdge } from "./store/incidents.ts";
import { dueHttpRuns, missedHeartbeats, monitorResultsRetention, monitorsByIds } from "./store/monitors.ts";
import { fanOutNotices, notificationAttempts, staleNotifyWork } from "./store/notifications.ts";

/** Checks one queue invocation may make: Workers allow 50 subrequests on the free plan. */
const SUBREQUEST_BUDGET = 40;
/** Checks (or deliveries) in flight at once (Workers keep six connections open per invocation). */
const CONCURRENCY = 6;

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Maintenance whose window edge has passed: scheduled ones start, running ones complete. */
export async function dueMaintenance(db: Db, now: number): Promise<QueueMessage[]> {
  return (await maintenanceAtEdge(db, now)).map((r) => ({
    kind: "status.maintenance.transition",
    id: r.id,
    to: r.status === "scheduled" ? "in_progress" : "completed",
  }));
}

/** A handler that does `work` for each message in turn, then acks it (the work is idempotent). */
function eachMessage<T extends z.ZodType>(schema: T, work: (env: Env, db: Db, body: z.infer<T>) => Promise<unknown>) {
  return defineJob({
    schema,
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        await work(env, db, body);
        message.ack();
      }
    },
  });
}

export const statusJobs = {
  "status.maintenance.transition": eachMessage(MaintenanceTransitionMessage, (env, db, body) =>
    transitionMaintenance(env, db, body.id, body.to, Date.now()),
  ),
  "status.monitors.run": defineJob({
    schema: MonitorsRunMessage,
    async run(messages, env) {
      const db = getDb(env.DB);
      let budget = SUBREQUEST_BUDGET;
      for (const { body, message } of messages) {
        // Past the subrequest budget, the rest waits for the next invocation.
        if (body.runs.length > budget) {
          message.retry({ delaySeconds: 5 });
          continue;
        }
        budget -= body.runs.length;
        const monitors = await monitorsByIds(
          db,
          body.runs.map((r) => r.id),
        );
        // A replayed message finds its runs already moved on.
        const due = body.runs.flatMap((r) => {
          const m = monitors.find((x) => x.id === r.id);
          return m?.enabled && m.kind === "http" && m.nextRunAt === r.runAt ? [{ m, runAt: r.runAt }] : [];
        });
        const results = await pool(due, CONCURRENCY, ({ m }) => runCheck(m, env));
        for (const [i, { m, runAt }] of due.entries()) await recordRun(env, db, m, runAt, results[i], Date.now());
        message.ack();
      }
    },
  }),
  "status.heartbeat.missed": eachMessage(HeartbeatMissedMessage, (env, db, body) =>
    markHeartbeatMissed(env, db, body.id, body.deadline, Date.now()),
  ),
  "status.notify.fanout": defineJob({
    schema: NotifyFanoutMessage,
    async run(messages, env) {
      const ids = await fanOutNotices(getDb(env.DB), Date.now());
      await enqueue(
        env,
        chunk(ids, 20).map((part) => ({ kind: "status.notify.deliver" as const, ids: part })),
      );
      for (const m of messages) m.message.ack();
    },
  }),
  "status.notify.deliver": defineJob({
    schema: NotifyDeliverMessage,
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        const outcomes = await pool(body.ids, CONCURRENCY, (id) => deliverNotification(env, db, id, Date.now()));
        const retry = body.ids.filter((_, i) => outcomes[i] === "retry");
        if (retry.length) {
          // Only the failed ones go around again, after a backoff.
          const attempts = await notificationAttempts(db, retry);
          const delay = retryDelaySeconds(Math.max(...retry.map((id) => attempts.get(id) ?? 1)));
          await enqueue(env, { kind: "status.notify.deliver", ids: retry }, { delaySeconds: delay });
        }
        message.ack();
      }
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof statusJobs> {}
}

export const statusCron: CronTask[] = [
  (env, now) => staleNotifyWork(getDb(env.DB), now),
  (env, now) => dueMaintenance(getDb(env.DB), now),
  async (env, now) =>
    chunk(await dueHttpRuns(getDb(env.DB), now), RUNS_PER_MESSAGE).map((runs) => ({
      kind: "status.monitors.run" as const,
      runs,
    })),
  async (env, now) =>
    (await missedHeartbeats(getDb(env.DB), now)).map((h) => ({
      kind: "status.heartbeat.missed" as const,
      id: h.id,
      deadline: h.deadline,
    })),
];

/** Raw rows status prunes after archiving them: monitor results. */
export const statusRetention: RetentionTask[] = [monitorResultsRetention];
