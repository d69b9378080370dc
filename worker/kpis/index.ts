// What other capabilities and the platform may use of kpis. Nothing else is imported from outside.

export { KPI_DEFINITIONS } from "./definitions.ts";
/** Queue message kinds this capability handles (prefix `kpis.`), and its cron task. */
export { kpisCron, kpisJobs } from "./jobs.ts";
/** Signed one-click NPS links (scores 0-10) for an email to a contact: for emails' templates. */
export { npsLinks } from "./nps.ts";
export { kpisRoutes } from "./routes.ts";
