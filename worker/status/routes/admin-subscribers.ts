// Admin API of a page's subscribers (scope `status`).
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter, PageQuery, page, toPage } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { IdParams, missing, PageIdParams, SubscriberSchema } from "../schemas.ts";
import { getPageOrThrow } from "../store/pages.ts";
import { deleteSubscriber, listSubscribers } from "../store/subscribers.ts";

export const adminSubscribers = newRouter();
const op = adminOps(adminSubscribers, "status", ["Status subscribers"]);

// GET /api/v1/status/pages/:pageId/subscribers — subscribers, oldest first
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/subscribers",
    summary: "List subscribers",
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
