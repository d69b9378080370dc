// What other capabilities and the platform may use of feedback. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { feedbackRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `feedback.`). */
export const feedbackJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const feedbackCron: CronTask[] = [];
