// Admin API of emails: triggers, with their metrics, the editor's live count and evaluation on demand.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, PageQuery, page, toPage } from "../../lib/openapi.ts";
import { enqueue } from "../../lib/queue.ts";
import {
  Deleted,
  EvaluationQueued,
  IdParam,
  MatchCountAnswer,
  MatchCountBody,
  Trigger,
  TriggerBody,
  TriggerPatch,
} from "../schemas.ts";
import { matchCount } from "../store/candidates.ts";
import {
  createTrigger,
  deleteTrigger,
  getTriggerOrThrow,
  listTriggers,
  triggerOut,
  triggerWithMetrics,
  updateTrigger,
} from "../store/triggers.ts";
import { invalid, missing } from "./refusals.ts";

export const triggerRoutes = newRouter();
const op = adminOps(triggerRoutes, "emails", ["emails: triggers"]);

// GET /api/v1/emails/triggers — list with their metrics
op(
  {
    method: "get",
    path: "/api/v1/emails/triggers",
    summary: "List triggers with metrics",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(Trigger), "Triggers"), ...invalid },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const q = c.req.valid("query");
    const p = toPage(await listTriggers(db, q), q.limit);
    const data = await Promise.all(p.data.map((t) => triggerWithMetrics(db, t)));
    return c.json({ data, nextCursor: p.nextCursor }, 200);
  },
);

// POST /api/v1/emails/triggers — create; it reads forward from now
op(
  {
    method: "post",
    path: "/api/v1/emails/triggers",
    summary: "Create a trigger",
    request: { body: jsonBody(TriggerBody) },
    responses: { 201: jsonContent(Trigger, "Created"), ...invalid },
  },
  async (c) => c.json(triggerOut(await createTrigger(getDb(c.env.DB), c.req.valid("json"))), 201),
);

// POST /api/v1/emails/triggers/match-count — who matches an entry condition now (the editor's live count)
op(
  {
    method: "post",
    path: "/api/v1/emails/triggers/match-count",
    summary: "Count who matches now",
    request: { body: jsonBody(MatchCountBody) },
    responses: { 200: jsonContent(MatchCountAnswer, "Contacts matching now"), ...invalid },
  },
  async (c) => {
    const body = c.req.valid("json");
    const matching = await matchCount(getDb(c.env.DB), { ...body, delay: { kind: "none" } });
    return c.json({ matching }, 200);
  },
);

// GET /api/v1/emails/triggers/:id — with metrics
op(
  {
    method: "get",
    path: "/api/v1/emails/triggers/{id}",
    summary: "Get a trigger with metrics",
    request: { params: IdParam },
    responses: { 200: jsonContent(Trigger, "The trigger"), ...missing },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    return c.json(await triggerWithMetrics(db, await getTriggerOrThrow(db, c.req.valid("param").id)), 200);
  },
);

// PATCH /api/v1/emails/triggers/:id
op(
  {
    method: "patch",
    path: "/api/v1/emails/triggers/{id}",
    summary: "Change a trigger",
    request: { params: IdParam, body: jsonBody(TriggerPatch) },
    responses: { 200: jsonContent(Trigger, "Changed"), ...invalid, ...missing },
  },
  async (c) =>
    c.json(triggerOut(await updateTrigger(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"))), 200),
);

// POST /api/v1/emails/triggers/:id/evaluate — evaluate now instead of at the next cron tick (through the queue)
op(
  {
    method: "post",
    path: "/api/v1/emails/triggers/{id}/evaluate",
    summary: "Evaluate a trigger now",
    request: { params: IdParam },
    responses: { 202: jsonContent(EvaluationQueued, "Evaluation queued"), ...missing },
  },
  async (c) => {
    const t = await getTriggerOrThrow(getDb(c.env.DB), c.req.valid("param").id);
    await enqueue(c.env, { kind: "emails.evaluate", triggerId: t.id });
    return c.json({ queued: true as const }, 202);
  },
);

// DELETE /api/v1/emails/triggers/:id — its unsent messages are skipped
op(
  {
    method: "delete",
    path: "/api/v1/emails/triggers/{id}",
    summary: "Delete a trigger",
    request: { params: IdParam },
    responses: { 200: jsonContent(Deleted, "Deleted"), ...missing },
  },
  async (c) => {
    await deleteTrigger(getDb(c.env.DB), c.req.valid("param").id);
    return c.json({ deleted: true as const }, 200);
  },
);
