// Admin API of a page's subscribers (scope `status`).
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter, PageQuery, page, toPage } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import {
  AudienceQuery,
  AudienceSchema,
  IdParams,
  invalid,
  missing,
  PageIdParams,
  SubscriberSchema,
} from "../schemas.ts";
import { componentsOnPage } from "../store/components.ts";
import { countAudience } from "../store/notifications.ts";
import { getPageOrThrow } from "../store/pages.ts";
import { deleteSubscriber, listSubscribers } from "../store/subscribers.ts";

export const adminSubscribers = newRouter();
const op = adminOps(adminSubscribers, "status", ["Status subscribers"]);

// GET /api/v1/status/pages/:pageId/subscribers — subscribers, newest first
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/subscribers",
    summary: "List subscribers",
    description: "Newest first; `nextCursor` gives the next (older) page.",
    request: { params: PageIdParams, query: PageQuery },
    responses: { 200: jsonContent(page(SubscriberSchema), "Subscribers"), ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const { limit, cursor } = c.req.valid("query");
    const rows = await listSubscribers(db, p.id, limit + 1, cursor);
    const views = rows.map(({ s, email }) => ({
      id: s.id,
      kind: s.kind,
      email,
      url: s.url,
      componentIds: s.componentIds,
      groupIds: s.groupIds,
      confirmedAt: s.confirmedAt,
      unsubscribedAt: s.unsubscribedAt,
      createdAt: s.createdAt,
    }));
    return c.json(toPage(views, limit), 200);
  },
);

// DELETE /api/v1/status/subscribers/:id — remove a subscriber
op(
  {
    method: "delete",
    path: "/api/v1/status/subscribers/{id}",
    summary: "Remove a subscriber",
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, ...missing("subscriber") },
  },
  async (c) => {
    if (!(await deleteSubscriber(getDb(c.env.DB), c.req.valid("param").id))) throw notFound("No such subscriber");
    return c.body(null, 204);
  },
);

// GET /api/v1/status/pages/:pageId/audience — how many subscribers a change to these components would notify
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/audience",
    summary: "Count who a change would notify",
    description:
      "Confirmed, still-subscribed subscribers a notice naming these components reaches now: whole-page subscribers, and those who chose one of the components or its group. For a component's status change name that component; for an incident update, every component the incident names.",
    request: { params: PageIdParams, query: AudienceQuery },
    responses: { 200: jsonContent(AudienceSchema, "Subscribers reached, by kind"), ...invalid, ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const ids = c.req.valid("query").componentIds;
    await componentsOnPage(db, p.id, ids, "query.componentIds");
    return c.json(await countAudience(db, p.id, ids), 200);
  },
);
