// Admin API of emails: templates and triggers.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { execBatch, getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { newId } from "../lib/ids.ts";
import { adminRoute, jsonBody, jsonContent, PageQuery, page, problemContent, toPage, z } from "../lib/openapi.ts";
import { enqueue } from "../lib/queue.ts";
import { contactVarsOrSample } from "./contacts.ts";
import { matchCount } from "./evaluate.ts";
import { kick, outboxInserts } from "./outbox.ts";
import { renderTemplate, templateVars } from "./render.ts";
import {
  IdParam,
  MatchCountBody,
  PreviewBody,
  Rendered,
  Template,
  TemplateBody,
  TemplatePatch,
  TestSendBody,
  Trigger,
  TriggerBody,
  TriggerPatch,
} from "./schemas.ts";
import {
  createTemplate,
  createTrigger,
  deleteTemplate,
  deleteTrigger,
  getTemplateOrThrow,
  getTriggerOrThrow,
  listTemplates,
  listTriggers,
  triggerMetrics,
  triggerOut,
  updateTemplate,
  updateTrigger,
} from "./store.ts";

const tags = ["emails: templates"];
const ttags = ["emails: triggers"];
const Deleted = z.object({ deleted: z.literal(true) });
const notFound = { 404: problemContent("No such resource") };
const invalid = { 400: problemContent("Not valid") };

export function registerAdminRoutes(r: OpenAPIHono<AppEnv>) {
  // GET /api/v1/emails/templates — list, newest first
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/templates",
      tags,
      summary: "List templates",
      request: { query: PageQuery },
      responses: { 200: jsonContent(page(Template), "Templates"), ...invalid },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(toPage(await listTemplates(getDb(c.env.DB), q), q.limit), 200);
    },
  );

  // POST /api/v1/emails/templates — create (Liquid; every HTML variable is escaped)
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/templates",
      tags,
      summary: "Create a template",
      request: { body: jsonBody(TemplateBody) },
      responses: { 201: jsonContent(Template, "Created"), ...invalid },
    }),
    async (c) => c.json(await createTemplate(getDb(c.env.DB), c.req.valid("json")), 201),
  );

  // GET /api/v1/emails/templates/:id
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/templates/{id}",
      tags,
      summary: "Get a template",
      request: { params: IdParam },
      responses: { 200: jsonContent(Template, "The template"), ...notFound },
    }),
    async (c) => c.json(await getTemplateOrThrow(getDb(c.env.DB), c.req.valid("param").id), 200),
  );

  // PATCH /api/v1/emails/templates/:id
  r.openapi(
    adminRoute("emails", {
      method: "patch",
      path: "/api/v1/emails/templates/{id}",
      tags,
      summary: "Change a template",
      request: { params: IdParam, body: jsonBody(TemplatePatch) },
      responses: { 200: jsonContent(Template, "Changed"), ...invalid, ...notFound },
    }),
    async (c) => c.json(await updateTemplate(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  // DELETE /api/v1/emails/templates/:id — refused while a trigger uses it
  r.openapi(
    adminRoute("emails", {
      method: "delete",
      path: "/api/v1/emails/templates/{id}",
      tags,
      summary: "Delete a template",
      request: { params: IdParam },
      responses: { 200: jsonContent(Deleted, "Deleted"), 409: problemContent("In use"), ...notFound },
    }),
    async (c) => {
      await deleteTemplate(getDb(c.env.DB), c.req.valid("param").id);
      return c.json({ deleted: true as const }, 200);
    },
  );

  // POST /api/v1/emails/templates/:id/preview — render for a contact or a sample contact
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/templates/{id}/preview",
      tags,
      summary: "Preview a template",
      request: { params: IdParam, body: jsonBody(PreviewBody) },
      responses: { 200: jsonContent(Rendered, "Rendered"), ...invalid, ...notFound },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const body = c.req.valid("json");
      const t = await getTemplateOrThrow(db, c.req.valid("param").id);
      const contact = await contactVarsOrSample(db, body.contactId);
      const vars = templateVars(contact, {
        event: body.event ?? { name: "sample_event", properties: {} },
        trigger: { id: "trg_sample", name: "Preview" },
        unsubscribeUrl: "#unsubscribe",
        preferencesUrl: "#preferences",
      });
      return c.json(await renderTemplate(t, vars), 200);
    },
  );

  // POST /api/v1/emails/templates/:id/test — send it now to an address (transactional, through the queue)
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/templates/{id}/test",
      tags,
      summary: "Send a test",
      request: { params: IdParam, body: jsonBody(TestSendBody) },
      responses: {
        202: jsonContent(z.object({ idempotencyKey: z.string() }), "Queued"),
        ...invalid,
        ...notFound,
      },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const body = c.req.valid("json");
      const t = await getTemplateOrThrow(db, c.req.valid("param").id);
      const contact = await contactVarsOrSample(db, body.contactId);
      const rendered = await renderTemplate(
        t,
        templateVars(contact, {
          event: { name: "sample_event", properties: {} },
          trigger: { id: "trg_test", name: "Test send" },
          unsubscribeUrl: "#unsubscribe",
          preferencesUrl: null,
        }),
      );
      const idempotencyKey = `test:${newId("ts")}`;
      await execBatch(
        db,
        outboxInserts(db, [
          {
            to: body.to,
            subject: `[Test] ${rendered.subject}`,
            html: rendered.html,
            text: rendered.text,
            topic: "transactional",
            idempotencyKey,
          },
        ]),
      );
      await kick(c.env);
      return c.json({ idempotencyKey }, 202);
    },
  );

  // GET /api/v1/emails/triggers — list with their metrics
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/triggers",
      tags: ttags,
      summary: "List triggers with metrics",
      request: { query: PageQuery },
      responses: { 200: jsonContent(page(Trigger), "Triggers"), ...invalid },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const q = c.req.valid("query");
      const p = toPage(await listTriggers(db, q), q.limit);
      const data = await Promise.all(
        p.data.map(async (t) => ({ ...triggerOut(t), metrics: await triggerMetrics(db, t) })),
      );
      return c.json({ data, nextCursor: p.nextCursor }, 200);
    },
  );

  // POST /api/v1/emails/triggers — create; it reads forward from now
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/triggers",
      tags: ttags,
      summary: "Create a trigger",
      request: { body: jsonBody(TriggerBody) },
      responses: { 201: jsonContent(Trigger, "Created"), ...invalid },
    }),
    async (c) => c.json(triggerOut(await createTrigger(getDb(c.env.DB), c.req.valid("json"))), 201),
  );

  // POST /api/v1/emails/triggers/match-count — who matches an entry condition now (the editor's live count)
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/triggers/match-count",
      tags: ttags,
      summary: "Count who matches now",
      request: { body: jsonBody(MatchCountBody) },
      responses: { 200: jsonContent(z.object({ matching: z.number().int() }), "Contacts matching now"), ...invalid },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const matching = await matchCount(getDb(c.env.DB), { ...body, delay: { kind: "none" } });
      return c.json({ matching }, 200);
    },
  );

  // GET /api/v1/emails/triggers/:id — with metrics
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/triggers/{id}",
      tags: ttags,
      summary: "Get a trigger with metrics",
      request: { params: IdParam },
      responses: { 200: jsonContent(Trigger, "The trigger"), ...notFound },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const t = await getTriggerOrThrow(db, c.req.valid("param").id);
      return c.json({ ...triggerOut(t), metrics: await triggerMetrics(db, t) }, 200);
    },
  );

  // PATCH /api/v1/emails/triggers/:id
  r.openapi(
    adminRoute("emails", {
      method: "patch",
      path: "/api/v1/emails/triggers/{id}",
      tags: ttags,
      summary: "Change a trigger",
      request: { params: IdParam, body: jsonBody(TriggerPatch) },
      responses: { 200: jsonContent(Trigger, "Changed"), ...invalid, ...notFound },
    }),
    async (c) =>
      c.json(triggerOut(await updateTrigger(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"))), 200),
  );

  // POST /api/v1/emails/triggers/:id/evaluate — evaluate now instead of at the next cron tick (through the queue)
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/triggers/{id}/evaluate",
      tags: ttags,
      summary: "Evaluate a trigger now",
      request: { params: IdParam },
      responses: { 202: jsonContent(z.object({ queued: z.literal(true) }), "Evaluation queued"), ...notFound },
    }),
    async (c) => {
      const t = await getTriggerOrThrow(getDb(c.env.DB), c.req.valid("param").id);
      await enqueue(c.env, { kind: "emails.evaluate", triggerId: t.id });
      return c.json({ queued: true as const }, 202);
    },
  );

  // DELETE /api/v1/emails/triggers/:id — its unsent messages are skipped
  r.openapi(
    adminRoute("emails", {
      method: "delete",
      path: "/api/v1/emails/triggers/{id}",
      tags: ttags,
      summary: "Delete a trigger",
      request: { params: IdParam },
      responses: { 200: jsonContent(Deleted, "Deleted"), ...notFound },
    }),
    async (c) => {
      await deleteTrigger(getDb(c.env.DB), c.req.valid("param").id);
      return c.json({ deleted: true as const }, 200);
    },
  );
}
