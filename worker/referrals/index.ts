// What other capabilities and the platform may use of referrals. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { referralsRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `referrals.`). */
export const referralsJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const referralsCron: CronTask[] = [];
