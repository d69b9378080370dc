// What the queue and cron did: dead letters and the last cron ticks.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter, PageQuery, page, problemContent, toPage } from "../../lib/openapi.ts";
import { retentionWindows } from "../retention.ts";
import { CronRunSchema, CronRunsQuery, DeadLetterSchema, RetentionRunsPage } from "../schemas.ts";
import { listCronRuns } from "../store/cron-runs.ts";
import { listDeadLetters } from "../store/dead-letters.ts";
import { listRuns } from "../store/retention.ts";

export const jobsRoutes = newRouter();
const admin = adminOps(jobsRoutes, "admin", ["Jobs"]);
const read = adminOps(jobsRoutes, "read", ["Jobs"]);

// GET /api/v1/jobs/dead-letters — queue messages no handler could take
admin(
  {
    method: "get",
    path: "/api/v1/jobs/dead-letters",
    summary: "Dead letters",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(DeadLetterSchema), "Dead letters, newest first") },
  },
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listDeadLetters(getDb(c.env.DB), { limit, cursor });
    const p = toPage(
      rows.map((r) => ({ ...r, body: JSON.parse(r.body) as unknown })),
      limit,
    );
    return c.json(p, 200);
  },
);

// GET /api/v1/jobs/cron-runs — the last cron ticks: when each ran and what it enqueued
read(
  {
    method: "get",
    path: "/api/v1/jobs/cron-runs",
    summary: "Cron ticks",
    description:
      "Every minute cron decides what is due and enqueues it. Each tick is recorded here for a week, newest first.",
    request: { query: CronRunsQuery },
    responses: { 200: jsonContent(page(CronRunSchema), "Ticks, newest first"), 400: problemContent("Invalid") },
  },
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listCronRuns(getDb(c.env.DB), { limit, before: cursor ? Number(cursor) : undefined });
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    return c.json({ data, nextCursor: rows.length > limit && last ? String(last.scheduledAt) : null }, 200);
  },
);

// GET /api/v1/jobs/retention-runs — what retention archived and pruned, and the windows in force
read(
  {
    method: "get",
    path: "/api/v1/jobs/retention-runs",
    summary: "Retention runs",
    description:
      "Every hour retention archives raw rows past their windows to R2 and prunes them from D1 in small batches. Each run is recorded here for 90 days, newest first, with the windows in force.",
    request: { query: PageQuery },
    responses: { 200: jsonContent(RetentionRunsPage, "Runs, newest first"), 400: problemContent("Invalid") },
  },
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listRuns(getDb(c.env.DB), { limit, cursor });
    return c.json({ ...toPage(rows, limit), windows: retentionWindows(c.env) }, 200);
  },
);
