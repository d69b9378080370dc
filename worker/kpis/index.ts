// What other capabilities and the platform may use of kpis. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { kpisRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `kpis.`). */
export const kpisJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const kpisCron: CronTask[] = [];
