// Admin API of emails: templates (Liquid; every HTML variable is escaped), previews and test sends.
import { getDb } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import {
  adminOps,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  toPage,
} from "../../lib/openapi.ts";
import { kick } from "../kick.ts";
import { TEMPLATE_VARIABLES } from "../render.ts";
import {
  Deleted,
  DraftPreviewBody,
  IdParam,
  PreviewBody,
  type PreviewBodyT,
  Rendered,
  Template,
  TemplateBody,
  TemplatePatch,
  TemplateVariables,
  TestSendAnswer,
  TestSendBody,
} from "../schemas.ts";
import { queueEmails } from "../store/outbox.ts";
import {
  createTemplate,
  deleteTemplate,
  getTemplateOrThrow,
  listTemplates,
  renderDraft,
  renderTemplateFor,
  updateTemplate,
} from "../store/templates.ts";
import { invalid, missing } from "./refusals.ts";

export const templateRoutes = newRouter();

/** What a preview fills in where a send would have its event, trigger and signed links. */
const previewExtra = (event: PreviewBodyT["event"]) => ({
  event: event ?? { name: "sample_event", properties: {} },
  trigger: { id: "trg_sample", name: "Preview" },
  unsubscribeUrl: "#unsubscribe",
  preferencesUrl: "#preferences",
});
const op = adminOps(templateRoutes, "emails", ["emails: templates"]);

// GET /api/v1/emails/templates — list, newest first
op(
  {
    method: "get",
    path: "/api/v1/emails/templates",
    summary: "List templates",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(Template), "Templates"), ...invalid },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listTemplates(getDb(c.env.DB), q), q.limit), 200);
  },
);

// POST /api/v1/emails/templates — create
op(
  {
    method: "post",
    path: "/api/v1/emails/templates",
    summary: "Create a template",
    request: { body: jsonBody(TemplateBody) },
    responses: { 201: jsonContent(Template, "Created"), ...invalid },
  },
  async (c) => c.json(await createTemplate(getDb(c.env.DB), c.req.valid("json")), 201),
);

// GET /api/v1/emails/templates/variables — what a template may use (before /:id, which would match it)
op(
  {
    method: "get",
    path: "/api/v1/emails/templates/variables",
    summary: "Template variables",
    description: "Every variable a template may use. A template naming any other is refused with a 400.",
    responses: { 200: jsonContent(TemplateVariables, "The variables") },
  },
  async (c) => c.json({ data: TEMPLATE_VARIABLES.map((v) => ({ ...v })) }, 200),
);

// POST /api/v1/emails/templates/preview — render a template being edited, before it is saved
op(
  {
    method: "post",
    path: "/api/v1/emails/templates/preview",
    summary: "Preview an unsaved template",
    description: "Checks the template as a save would (syntax, unknown variables) and renders it.",
    request: { body: jsonBody(DraftPreviewBody) },
    responses: { 200: jsonContent(Rendered, "Rendered"), ...invalid, ...missing },
  },
  async (c) => {
    const body = c.req.valid("json");
    return c.json(await renderDraft(getDb(c.env.DB), body.template, body.contactId, previewExtra(body.event)), 200);
  },
);

// GET /api/v1/emails/templates/:id
op(
  {
    method: "get",
    path: "/api/v1/emails/templates/{id}",
    summary: "Get a template",
    request: { params: IdParam },
    responses: { 200: jsonContent(Template, "The template"), ...missing },
  },
  async (c) => c.json(await getTemplateOrThrow(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// PATCH /api/v1/emails/templates/:id
op(
  {
    method: "patch",
    path: "/api/v1/emails/templates/{id}",
    summary: "Change a template",
    request: { params: IdParam, body: jsonBody(TemplatePatch) },
    responses: { 200: jsonContent(Template, "Changed"), ...invalid, ...missing },
  },
  async (c) => c.json(await updateTemplate(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json")), 200),
);

// DELETE /api/v1/emails/templates/:id — refused while a trigger uses it
op(
  {
    method: "delete",
    path: "/api/v1/emails/templates/{id}",
    summary: "Delete a template",
    request: { params: IdParam },
    responses: { 200: jsonContent(Deleted, "Deleted"), 409: problemContent("In use"), ...missing },
  },
  async (c) => {
    await deleteTemplate(getDb(c.env.DB), c.req.valid("param").id);
    return c.json({ deleted: true as const }, 200);
  },
);

// POST /api/v1/emails/templates/:id/preview — render for a contact or a sample contact
op(
  {
    method: "post",
    path: "/api/v1/emails/templates/{id}/preview",
    summary: "Preview a template",
    request: { params: IdParam, body: jsonBody(PreviewBody) },
    responses: { 200: jsonContent(Rendered, "Rendered"), ...invalid, ...missing },
  },
  async (c) => {
    const body = c.req.valid("json");
    const id = c.req.valid("param").id;
    return c.json(await renderTemplateFor(getDb(c.env.DB), id, body.contactId, previewExtra(body.event)), 200);
  },
);

// POST /api/v1/emails/templates/:id/test — send it now to an address (transactional, through the queue)
op(
  {
    method: "post",
    path: "/api/v1/emails/templates/{id}/test",
    summary: "Send a test",
    request: { params: IdParam, body: jsonBody(TestSendBody) },
    responses: { 202: jsonContent(TestSendAnswer, "Queued"), ...invalid, ...missing },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const body = c.req.valid("json");
    const rendered = await renderTemplateFor(db, c.req.valid("param").id, body.contactId, {
      event: { name: "sample_event", properties: {} },
      trigger: { id: "trg_test", name: "Test send" },
      unsubscribeUrl: "#unsubscribe",
      preferencesUrl: null,
    });
    const idempotencyKey = `test:${newId("ts")}`;
    await queueEmails(db, [
      {
        to: body.to,
        subject: `[Test] ${rendered.subject}`,
        html: rendered.html,
        text: rendered.text,
        topic: "transactional",
        idempotencyKey,
      },
    ]);
    await kick(c.env);
    return c.json({ idempotencyKey }, 202);
  },
);
