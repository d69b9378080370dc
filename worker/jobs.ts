import { emailsCron, emailsJobs, emailsRetention } from "./emails/jobs.ts";
import { feedbackCron, feedbackJobs } from "./feedback/jobs.ts";
import { kpisCron, kpisJobs } from "./kpis/jobs.ts";
import { getDb } from "./lib/db.ts";
import { type CronTask, enqueue, type JobHandler, type JobKind, type QueueMessage } from "./lib/queue.ts";
import { npsCron, npsJobs } from "./nps/jobs.ts";
import { countByKind, platformCron, platformJobs, recordCronRun, storeDeadLetters } from "./platform/jobs.ts";
import { referralsCron, referralsJobs, referralsRetention } from "./referrals/jobs.ts";
import { statusCron, statusJobs, statusRetention } from "./status/jobs.ts";

/**
 * Every queue message kind and the handler that owns it. Capabilities add theirs here; the
 * type makes a kind that some code enqueues without a handler a compile error.
 */
/** Every capability's raw rows in the order retention prunes them (the platform's own come last). */
export const retentionTasks = [...referralsRetention, ...emailsRetention, ...statusRetention];

const handlers: Record<JobKind, JobHandler> = {
  ...platformJobs({ retention: retentionTasks }),
  ...referralsJobs,
  ...feedbackJobs,
  ...statusJobs,
  ...emailsJobs,
  ...kpisJobs,
  ...npsJobs,
};

/** Every cron task. Each only decides what is due; the queue does the work. */
const cronTasks: CronTask[] = [
  ...platformCron,
  ...referralsCron,
  ...feedbackCron,
  ...statusCron,
  ...emailsCron,
  ...kpisCron,
  ...npsCron,
];

/**
 * One cron tick: every task decides what is due at the scheduled time and its messages are
 * enqueued. The tick is recorded (what was enqueued, by kind, and any error) for the health page.
 */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<number> {
  const now = controller.scheduledTime;
  const startedAt = Date.now();
  const sent: QueueMessage[] = [];
  let error: string | null = null;
  try {
    const messages = (await Promise.all(cronTasks.map((task) => task(env, now)))).flat();
    await enqueue(env, messages);
    sent.push(...messages);
    return sent.length;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    await recordCronRun(getDb(env.DB), {
      scheduledAt: now,
      startedAt,
      finishedAt: Date.now(),
      byKind: countByKind(sent),
      error,
    }).catch((e) => console.error("could not record the cron run", e));
  }
}

export async function runQueue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return storeDeadLetters(batch, env);

  const byKind = new Map<string, Array<{ body: unknown; message: Message<unknown> }>>();
  for (const message of batch.messages) {
    const kind = (message.body as { kind?: unknown } | null)?.kind;
    const handler = typeof kind === "string" ? (handlers as Record<string, JobHandler>)[kind] : undefined;
    const parsed = handler?.schema.safeParse(message.body);
    if (!handler || !parsed?.success) {
      // Unknown or malformed: park it for people to see, never fail the batch for it.
      await env.DLQ.send({ reason: handler ? "malformed" : "unknown-kind", queue: batch.queue, body: message.body });
      message.ack();
      continue;
    }
    const group = byKind.get(kind as string) ?? [];
    group.push({ body: parsed.data, message });
    byKind.set(kind as string, group);
  }
  await Promise.all(
    [...byKind].map(async ([kind, group]) => {
      try {
        await (handlers as Record<string, JobHandler>)[kind].run(group, env, ctx);
      } catch (e) {
        console.error(`queue handler ${kind} failed`, e);
        for (const { message } of group) message.retry({ delaySeconds: 30 });
      }
    }),
  );
}
