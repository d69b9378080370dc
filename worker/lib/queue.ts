// The job registry's types and the one way to put work on the queue.
import type { z } from "@hono/zod-openapi";
import { chunk, chunkBySize } from "./db.ts";

/**
 * A queue handler. `run` gets every valid message of its kind in the batch and must ack or
 * retry each one; work must be idempotent because queues deliver at least once.
 */
export type JobHandler<T extends z.ZodType = z.ZodType> = {
  schema: T;
  run(messages: Array<{ body: z.infer<T>; message: Message<unknown> }>, env: Env, ctx: ExecutionContext): Promise<void>;
};

/** A handler, with its message type kept for the registry's types. */
export const defineJob = <T extends z.ZodType>(h: JobHandler<T>): JobHandler<T> => h;

/** The message each handler of a capability's `jobs` record reads, by kind. */
export type MessagesOf<H extends Record<string, JobHandler>> = {
  [K in keyof H]: z.infer<H[K]["schema"]>;
};

/**
 * Every queue message, by kind. Each capability's jobs.ts adds the kinds its handlers read:
 * `declare module "../lib/queue.ts" { interface JobMessages extends MessagesOf<typeof xJobs> {} }`.
 * So `enqueue` takes exactly the messages some handler reads, and the registry names them all.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each capability's jobs.ts
export interface JobMessages {}
export type JobKind = keyof JobMessages;
export type QueueMessage = JobMessages[JobKind];

/** A cron task decides what is due and returns the messages to enqueue; it does no work itself. */
export type CronTask = (env: Env, now: number) => Promise<QueueMessage[]>;

/** A send carries at most 100 messages and 256 KB; stay under with room for the envelope. */
const BATCH_BYTES = 200 * 1024;

/** Sends `messages` to the jobs queue in as few sends as the queue's batch limits allow. */
export async function enqueue(
  env: { JOBS: Queue },
  messages: QueueMessage | QueueMessage[],
  options?: QueueSendOptions,
): Promise<void> {
  const list = Array.isArray(messages) ? messages : [messages];
  if (list.length === 1) {
    await env.JOBS.send(list[0], options);
    return;
  }
  for (const bySize of chunkBySize(list, (m) => JSON.stringify(m).length, BATCH_BYTES)) {
    for (const part of chunk(bySize, 100)) await env.JOBS.sendBatch(part.map((body) => ({ body, ...options })));
  }
}
