// Cron decides what is due (maintenance windows, monitors, missed heartbeats); the queue does it.
import { z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { statusIncidents, statusMonitors } from "../../db/schema/index.ts";
import { chunk, type Db, getDb } from "../lib/db.ts";
import { type CronTask, defineJob, enqueue, type MessagesOf, type QueueMessage } from "../lib/queue.ts";
import { retryDelaySeconds } from "../lib/webhooks.ts";
import {
  CONCURRENCY,
  dueHttpRuns,
  markHeartbeatMissed,
  missedHeartbeats,
  pool,
  RUNS_PER_MESSAGE,
  recordRun,
  runCheck,
  SUBREQUEST_BUDGET,
} from "./monitors.ts";
import { planUpdate } from "./store/incidents.ts";
import { commit, isUniqueViolation } from "./store/pages.ts";
import { deliverNotification, fanOutNotices, notificationAttempts, staleNotifyWork } from "./subscriptions.ts";

/** Maintenance whose window edge has passed: scheduled ones start, running ones complete. */
export async function dueMaintenance(db: Db, now: number): Promise<QueueMessage[]> {
  const rows = await db
    .select({ id: statusIncidents.id, status: statusIncidents.status })
    .from(statusIncidents)
    .where(
      and(
        eq(statusIncidents.kind, "maintenance"),
        eq(statusIncidents.autoTransition, true),
        isNull(statusIncidents.resolvedAt),
        or(
          and(eq(statusIncidents.status, "scheduled"), lte(statusIncidents.scheduledFor, now)),
          and(inArray(statusIncidents.status, ["in_progress", "verifying"]), lte(statusIncidents.scheduledUntil, now)),
        ),
      ),
    )
    .limit(200);
  return rows.map((r) => ({
    kind: "status.maintenance.transition",
    id: r.id,
    to: r.status === "scheduled" ? "in_progress" : "completed",
  }));
}

/** Moves maintenance to `to` unless it already moved; the update's fixed id makes a replay fail as a whole. */
export async function transitionMaintenance(
  env: Env,
  db: Db,
  id: string,
  to: "in_progress" | "completed",
  now: number,
) {
  const m = await db.query.statusIncidents.findFirst({ where: eq(statusIncidents.id, id) });
  const from = to === "in_progress" ? ["scheduled"] : ["in_progress", "verifying"];
  if (m?.kind !== "maintenance" || m.resolvedAt || !from.includes(m.status)) return "stale";
  const body =
    to === "in_progress" ? "The scheduled maintenance has started." : "The scheduled maintenance is complete.";
  const statements = await planUpdate(db, m, { status: to, body }, now, { updateId: `upd_${id}_${to}` });
  try {
    await commit(env, db, m.pageId, statements, now);
    return "moved";
  } catch (e) {
    if (isUniqueViolation(e)) return "stale";
    throw e;
  }
}

export const statusJobs = {
  "status.maintenance.transition": defineJob({
    schema: z.object({
      kind: z.literal("status.maintenance.transition"),
      id: z.string().max(64),
      to: z.enum(["in_progress", "completed"]),
    }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        await transitionMaintenance(env, db, body.id, body.to, Date.now());
        message.ack();
      }
    },
  }),
  "status.monitors.run": defineJob({
    schema: z.object({
      kind: z.literal("status.monitors.run"),
      runs: z.array(z.object({ id: z.string().max(64), runAt: z.number().int() })).max(RUNS_PER_MESSAGE),
    }),
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
        const monitors = await db
          .select()
          .from(statusMonitors)
          .where(
            inArray(
              statusMonitors.id,
              body.runs.map((r) => r.id),
            ),
          );
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
  "status.heartbeat.missed": defineJob({
    schema: z.object({
      kind: z.literal("status.heartbeat.missed"),
      id: z.string().max(64),
      deadline: z.number().int(),
    }),
    async run(messages, env) {
      const db = getDb(env.DB);
      for (const { body, message } of messages) {
        await markHeartbeatMissed(env, db, body.id, body.deadline, Date.now());
        message.ack();
      }
    },
  }),
  "status.notify.fanout": defineJob({
    schema: z.object({ kind: z.literal("status.notify.fanout") }),
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
    schema: z.object({ kind: z.literal("status.notify.deliver"), ids: z.array(z.string().max(64)).min(1).max(20) }),
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
