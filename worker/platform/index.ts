// What the app, the job registry and other capabilities may use of the platform. Nothing else is imported from outside.

/**
 * Queue message kinds this capability handles (`webhook.*`) and its cron task; for the job
 * registry, what a cron tick enqueued by kind, and the dead-letter queue's consumer.
 */
export { countByKind, platformCron, platformJobs, storeDeadLetters } from "./jobs.ts";
/** Every platform route: ping, health, identity, the caller, API keys, webhooks, dead letters, cron ticks. */
export { platformRoutes } from "./routes/index.ts";
/** For the job registry: records a cron tick once per scheduled time, and drops ticks older than a week. */
export { recordCronRun } from "./store/cron-runs.ts";
/** The human-readable API reference (GET /api/v1/docs), rendered from the OpenAPI document. */
export { type OpenApiDoc, ReferencePage } from "./views.tsx";
