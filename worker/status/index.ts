// What other capabilities and the platform may use of status. Nothing else is imported from outside.
import type { CronTask, JobHandler } from "../lib/jobs-types.ts";

export { statusRoutes } from "./routes.ts";

/** Queue message kinds this capability handles (prefix `status.`). */
export const statusJobs: Record<string, JobHandler> = {};

/** Cron tasks: each decides what is due and returns messages to enqueue. */
export const statusCron: CronTask[] = [];

import type { Db } from "../lib/db.ts";
import { anyMajorIncident } from "./incidents.ts";

/** Whether any status page has an unresolved incident of impact major or critical (emails pause marketing then). */
export async function hasMajorIncident(db: Db): Promise<boolean> {
  return anyMajorIncident(db);
}
