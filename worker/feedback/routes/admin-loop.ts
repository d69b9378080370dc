// Admin API of feedback's loop (scope `feedback`): the ratio, contributors, and the events kept for emails.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, problemContent } from "../../lib/openapi.ts";
import { enqueue } from "../../lib/queue.ts";
import {
  ContributorQuery,
  ContributorSchema,
  EventQuery,
  FeedbackEventSchema,
  ImplementationSchema,
  QueuedSchema,
  RangeQuery,
  ReplayBody,
} from "../schemas.ts";
import { listContributors } from "../store/contributors.ts";
import { listFeedbackEvents } from "../store/events.ts";
import { feedbackImplementation } from "../store/implementation.ts";

export const adminLoopRoutes = newRouter();
const op = adminOps(adminLoopRoutes, "feedback", ["Feedback"]);

// GET /api/v1/feedback/implementation — Feedback-Implementation Ratio over a date range
op(
  {
    method: "get",
    path: "/api/v1/feedback/implementation",
    summary: "Feedback-Implementation Ratio",
    description:
      "Count form: posts moved to done / new posts (merged and declined spam excluded). Vote-weighted form: votes on delivered posts / votes on delivered + open posts.",
    request: { query: RangeQuery },
    responses: { 200: jsonContent(ImplementationSchema, "The ratio"), 400: problemContent("Invalid range") },
  },
  async (c) => c.json(await feedbackImplementation(getDb(c.env.DB), c.req.valid("query")), 200),
);

// GET /api/v1/feedback/contributors — people whose idea reached done (the contributor badge), to reward
op(
  {
    method: "get",
    path: "/api/v1/feedback/contributors",
    summary: "Contributors (ideas delivered)",
    request: { query: ContributorQuery },
    responses: { 200: jsonContent(page(ContributorSchema), "Contributors") },
  },
  async (c) => c.json(await listContributors(getDb(c.env.DB), c.req.valid("query")), 200),
);

// GET /api/v1/feedback/events — the loop events kept for the email capability (status changes, merges, digests)
op(
  {
    method: "get",
    path: "/api/v1/feedback/events",
    summary: "Loop events",
    request: { query: EventQuery },
    responses: { 200: jsonContent(page(FeedbackEventSchema), "Events, newest first") },
  },
  async (c) => c.json(await listFeedbackEvents(getDb(c.env.DB), c.req.valid("query")), 200),
);

// POST /api/v1/feedback/events/replay — hand stored loop events (status changes, merges, digests) to the emails capability
op(
  {
    method: "post",
    path: "/api/v1/feedback/events/replay",
    summary: "Replay loop events to the emails capability",
    description:
      "Queues every stored `feedback.status_changed`, `feedback.merged` and `feedback.monthly_digest` event (after `after`, an event id) for the emails capability. Each email keeps its first idempotency key, so nobody is emailed twice.",
    request: { body: jsonBody(ReplayBody) },
    responses: { 202: jsonContent(QueuedSchema, "Queued"), 400: problemContent("Invalid") },
  },
  async (c) => {
    await enqueue(c.env, { kind: "feedback.replay", cursor: c.req.valid("json").after });
    return c.json({ queued: true as const }, 202);
  },
);
