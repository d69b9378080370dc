import type { z } from "@hono/zod-openapi";

/** A queue message: `kind` picks the handler, the rest is validated by that handler's schema. */
export type JobMessage = { kind: string } & Record<string, unknown>;

/**
 * A queue handler. `run` gets every valid message of its kind in the batch and must
 * ack or retry each one; work must be idempotent because queues deliver at least once.
 */
export type JobHandler<T extends z.ZodType = z.ZodType> = {
  schema: T;
  run(messages: Array<{ body: z.infer<T>; message: Message<unknown> }>, env: Env, ctx: ExecutionContext): Promise<void>;
};

export const defineJob = <T extends z.ZodType>(h: JobHandler<T>) => h as unknown as JobHandler;

/** A cron task decides what is due and returns the messages to enqueue; it does no work itself. */
export type CronTask = (env: Env, now: number) => Promise<JobMessage[]>;
