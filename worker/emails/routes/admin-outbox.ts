// Admin API of emails: the outbox, every message queued, deferred, skipped or sent.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { IdParam, MessagesPage, MessagesQuery, OutboxMessageDetailSchema } from "../schemas.ts";
import { getMessage, listMessages, outboxCounts, outboxCursor } from "../store/outbox.ts";
import { invalid, missing } from "./refusals.ts";

export const outboxRoutes = newRouter();
const op = adminOps(outboxRoutes, "emails", ["emails: outbox"]);

// GET /api/v1/emails/messages — the outbox, newest first
op(
  {
    method: "get",
    path: "/api/v1/emails/messages",
    summary: "List outbox messages",
    request: { query: MessagesQuery },
    responses: {
      200: jsonContent(MessagesPage, "Messages, and how many are in each state"),
      ...invalid,
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const q = c.req.valid("query");
    const [rows, counts] = await Promise.all([listMessages(db, q), outboxCounts(db)]);
    const data = rows.slice(0, q.limit);
    const last = data.at(-1);
    return c.json({ data, nextCursor: rows.length > q.limit && last ? outboxCursor(last) : null, counts }, 200);
  },
);

// GET /api/v1/emails/messages/:id — one message as sent (HTML, text, headers)
op(
  {
    method: "get",
    path: "/api/v1/emails/messages/{id}",
    summary: "One message",
    request: { params: IdParam },
    responses: { 200: jsonContent(OutboxMessageDetailSchema, "The message"), ...missing },
  },
  async (c) => {
    const m = await getMessage(getDb(c.env.DB), c.req.valid("param").id);
    if (!m) throw notFound("No such message");
    return c.json(m, 200);
  },
);
