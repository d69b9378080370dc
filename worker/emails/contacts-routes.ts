// Admin API of emails: contacts (search, detail, timeline, consent, GDPR export and erase) and the outbox.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { MESSAGE_STATES } from "../../db/schema/index.ts";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { adminRoute, jsonBody, jsonContent, PageQuery, problemContent, toPage, z } from "../lib/openapi.ts";
import { notFound } from "../lib/problem.ts";
import {
  contactDetail,
  eraseContact,
  exportContact,
  getContactOrThrow,
  searchContacts,
  setConsent,
  timeline,
} from "./contacts.ts";
import { getMessage, listMessages, OUTBOX_CURSOR, outboxCounts, outboxCursor } from "./outbox.ts";
import {
  ConsentBody,
  ContactDetailSchema,
  ContactSchema,
  IdParam,
  OutboxMessageDetailSchema,
  OutboxMessageSchema,
  TimelineItemSchema,
} from "./schemas.ts";

const tags = ["emails: contacts"];
const otags = ["emails: outbox"];
const Any = z.record(z.string(), z.unknown());
const nf = { 404: problemContent("No such resource") };
const bad = { 400: problemContent("Not valid") };

export function registerContactRoutes(r: OpenAPIHono<AppEnv>) {
  // GET /api/v1/contacts — search by email or external id prefix
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/contacts",
      tags,
      summary: "Search contacts",
      request: { query: PageQuery.extend({ q: z.string().max(320).optional() }) },
      responses: {
        200: jsonContent(z.object({ data: z.array(ContactSchema), nextCursor: z.string().nullable() }), "Contacts"),
        ...bad,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await searchContacts(getDb(c.env.DB), q);
      return c.json(q.q ? { data: rows, nextCursor: null } : toPage(rows, q.limit), 200);
    },
  );

  // GET /api/v1/contacts/:id — consent, aggregates, churn risk
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/contacts/{id}",
      tags,
      summary: "A contact as emails sees it",
      request: { params: IdParam },
      responses: { 200: jsonContent(ContactDetailSchema, "The contact"), ...nf },
    }),
    async (c) => c.json(await contactDetail(getDb(c.env.DB), c.req.valid("param").id), 200),
  );

  // GET /api/v1/contacts/:id/timeline — events and messages, newest first
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/contacts/{id}/timeline",
      tags,
      summary: "Timeline of events and messages",
      request: {
        params: IdParam,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.coerce.number().int().optional().openapi({ description: "The `nextBefore` of the previous page" }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ data: z.array(TimelineItemSchema), nextBefore: z.number().nullable() }),
          "Timeline",
        ),
        ...bad,
        ...nf,
      },
    }),
    async (c) => c.json(await timeline(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("query")), 200),
  );

  // PUT /api/v1/contacts/:id/consent — set consent per topic (null = never said)
  r.openapi(
    adminRoute("emails", {
      method: "put",
      path: "/api/v1/contacts/{id}/consent",
      tags,
      summary: "Set consent per topic",
      request: { params: IdParam, body: jsonBody(ConsentBody) },
      responses: { 200: jsonContent(ContactDetailSchema, "The contact"), ...bad, ...nf },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const id = c.req.valid("param").id;
      await setConsent(db, id, c.req.valid("json"));
      return c.json(await contactDetail(db, id), 200);
    },
  );

  // GET /api/v1/contacts/:id/export — GDPR: everything held about the person
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/contacts/{id}/export",
      tags,
      summary: "Export a contact's data (GDPR)",
      request: { params: IdParam },
      responses: { 200: jsonContent(Any, "Everything Rapport's emails hold about the contact"), ...nf },
    }),
    async (c) => {
      const data = await exportContact(getDb(c.env.DB), c.req.valid("param").id);
      c.header("content-disposition", `attachment; filename="contact-${data.contact.id}.json"`);
      return c.json(data, 200);
    },
  );

  // DELETE /api/v1/contacts/:id — GDPR erase; only a suppression hash of the address remains
  r.openapi(
    adminRoute("emails", {
      method: "delete",
      path: "/api/v1/contacts/{id}",
      tags,
      summary: "Erase a contact (GDPR)",
      request: { params: IdParam },
      responses: {
        200: jsonContent(
          z.object({ erased: z.literal(true), contactRowDeleted: z.boolean(), suppressedAddresses: z.number().int() }),
          "Erased",
        ),
        ...nf,
      },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const id = c.req.valid("param").id;
      await getContactOrThrow(db, id);
      return c.json(await eraseContact(db, id), 200);
    },
  );

  // GET /api/v1/emails/messages — the outbox, newest first
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/messages",
      tags: otags,
      summary: "List outbox messages",
      request: {
        query: PageQuery.extend({
          cursor: z
            .string()
            .regex(OUTBOX_CURSOR, "the `nextCursor` of the previous page")
            .optional()
            .openapi({ description: "The `nextCursor` of the previous page" }),
          state: z.enum(MESSAGE_STATES).optional(),
          triggerId: z.string().max(64).optional(),
          contactId: z.string().max(64).optional(),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            data: z.array(OutboxMessageSchema),
            nextCursor: z.string().nullable(),
            counts: z.record(z.string(), z.number()),
          }),
          "Messages, and how many are in each state",
        ),
        ...bad,
      },
    }),
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
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/messages/{id}",
      tags: otags,
      summary: "One message",
      request: { params: IdParam },
      responses: { 200: jsonContent(OutboxMessageDetailSchema, "The message"), ...nf },
    }),
    async (c) => {
      const m = await getMessage(getDb(c.env.DB), c.req.valid("param").id);
      if (!m) throw notFound("No such message");
      return c.json(m, 200);
    },
  );
}
