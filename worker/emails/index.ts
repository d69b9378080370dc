// What other capabilities and the platform may use of emails. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { emailsRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `emails.`). */
export const emailsJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const emailsCron: CronTask[] = [];
