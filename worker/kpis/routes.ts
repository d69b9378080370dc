import { KPI_IDS } from "../../db/schema/index.ts";
import { kickEmails } from "../emails/index.ts";
import { getDb } from "../lib/db.ts";
import { requireVisitor } from "../lib/identity.ts";
import {
  adminRoute,
  createRoute,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  toPage,
  z,
} from "../lib/openapi.ts";
import { badRequest, notFound } from "../lib/problem.ts";
import { enqueue } from "../lib/queue.ts";
import { rateLimit } from "../lib/rate-limit.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { listAlerts } from "./alerts.ts";
import { deleteAudit, getAudit, listAudits, putAudit } from "./audits.ts";
import { KPI_DEFINITIONS } from "./definitions.ts";
import {
  createSurvey,
  deleteSurvey,
  getSurvey,
  inviteContacts,
  listResponses,
  listSurveys,
  npsLinks,
  openSurvey,
  recordResponse,
  requireContact,
  updateSurvey,
  visitorView,
} from "./nps.ts";
import { npsPages } from "./pages.tsx";
import { DAY, quarterOf, startOfDay } from "./quarters.ts";
import { computeRange, kpiHistory, quarterReport } from "./report.ts";
import {
  AlertSchema,
  AnswerBody,
  AnswerSchema,
  AuditSchema,
  CreateSurveyBody,
  HistoryQuery,
  HistorySchema,
  IdParams,
  InviteBody,
  InviteResultSchema,
  KpiParams,
  LinksBody,
  LinksSchema,
  PutAuditBody,
  PutSpendBody,
  PutTargetBody,
  QuarterParams,
  QuarterQuery,
  QuarterReportSchema,
  RangeQuery,
  RangeReportSchema,
  RecomputeBody,
  ResponseSchema,
  ResponsesQuery,
  SpendParams,
  SpendRowSchema,
  SurveySchema,
  TargetParams,
  TargetRowSchema,
  UpdateSurveyBody,
  VisitorViewSchema,
} from "./schemas.ts";
import { getSettings, KpiSettingsSchema, putSettings } from "./settings.ts";
import { recomputeMessages } from "./snapshots.ts";
import { deleteSpend, listSpend, putSpend } from "./spend.ts";
import { deleteTarget, listTargets, putTarget } from "./targets.ts";

export const kpisRoutes = newRouter();
const tags = ["KPIs"];
const npsTags = ["NPS"];
const deleted = { 204: { description: "Deleted" }, 404: problemContent("Nothing to delete") };
const invalid = { 400: problemContent("Invalid input") };

// GET /api/v1/kpis — every KPI of a quarter with its inputs, target, pacing, forecast and sparkline
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis",
    tags,
    summary: "This quarter's KPIs",
    description:
      "Live values while the quarter runs (quarter to date), the last daily snapshot once it has ended. A KPI whose sources hold nothing has `value: null` with its inputs.",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(QuarterReportSchema, "The quarter's KPIs"), ...invalid },
  }),
  async (c) => {
    const now = Date.now();
    const quarter = c.req.valid("query").quarter ?? quarterOf(now);
    return c.json(await quarterReport(getDb(c.env.DB), quarter, now), 200);
  },
);

// GET /api/v1/kpis/range — every KPI over any date range, computed now from live data (no targets)
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/range",
    tags,
    summary: "KPIs over a date range",
    description: "Each KPI's formula applied to `[from, to)` on the data as it is now, with its inputs.",
    request: { query: RangeQuery },
    responses: { 200: jsonContent(RangeReportSchema, "The KPIs of the range"), ...invalid },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const range = { from: Date.parse(q.from), to: Date.parse(q.to) };
    const results = await computeRange(getDb(c.env.DB), range);
    const kpis = KPI_IDS.map((kpi) => ({ kpi, ...KPI_DEFINITIONS[kpi], ...results[kpi] }));
    return c.json({ ...range, kpis }, 200);
  },
);

// GET /api/v1/kpis/{kpi}/history — weekly values over past quarters, with each quarter's outcome
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/{kpi}/history",
    tags,
    summary: "A KPI's history by week and by quarter",
    request: { params: KpiParams, query: HistoryQuery },
    responses: { 200: jsonContent(HistorySchema, "History"), ...invalid },
  }),
  async (c) => {
    const { kpi } = c.req.valid("param");
    const { quarters } = c.req.valid("query");
    return c.json(await kpiHistory(getDb(c.env.DB), kpi, quarters, Date.now()), 200);
  },
);

// GET /api/v1/kpis/settings — margin, active window, event names and engagement weights
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/settings",
    tags,
    summary: "KPI settings",
    responses: { 200: jsonContent(KpiSettingsSchema, "Settings") },
  }),
  async (c) => c.json(await getSettings(getDb(c.env.DB)), 200),
);

// PUT /api/v1/kpis/settings — replace the settings (omitted fields take their defaults)
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "put",
    path: "/api/v1/kpis/settings",
    tags,
    summary: "Change KPI settings",
    description: "Past snapshots keep the values they were computed with; recompute them on purpose if needed.",
    request: { body: jsonBody(KpiSettingsSchema) },
    responses: { 200: jsonContent(KpiSettingsSchema, "Settings"), ...invalid },
  }),
  async (c) => c.json(await putSettings(getDb(c.env.DB), c.req.valid("json")), 200),
);

// GET /api/v1/kpis/targets — targets, optionally of one quarter
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/targets",
    tags,
    summary: "List targets",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(z.object({ data: z.array(TargetRowSchema) }), "Targets"), ...invalid },
  }),
  async (c) => c.json({ data: await listTargets(getDb(c.env.DB), c.req.valid("query").quarter) }, 200),
);

// PUT /api/v1/kpis/targets/{quarter}/{kpi} — set a KPI's target for a quarter
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "put",
    path: "/api/v1/kpis/targets/{quarter}/{kpi}",
    tags,
    summary: "Set a target",
    request: {
      params: TargetParams,
      body: jsonBody(PutTargetBody),
    },
    responses: { 200: jsonContent(TargetRowSchema, "The target"), ...invalid },
  }),
  async (c) => {
    const { quarter, kpi } = c.req.valid("param");
    const body = c.req.valid("json");
    const row = await putTarget(getDb(c.env.DB), quarter, kpi, {
      ...body,
      direction: body.direction ?? KPI_DEFINITIONS[kpi].direction,
    });
    return c.json(row, 200);
  },
);

// DELETE /api/v1/kpis/targets/{quarter}/{kpi}
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "delete",
    path: "/api/v1/kpis/targets/{quarter}/{kpi}",
    tags,
    summary: "Remove a target",
    request: { params: TargetParams },
    responses: deleted,
  }),
  async (c) => {
    const { quarter, kpi } = c.req.valid("param");
    if (!(await deleteTarget(getDb(c.env.DB), quarter, kpi))) throw notFound("No target for this KPI and quarter");
    return c.body(null, 204);
  },
);

// GET /api/v1/kpis/spend — marketing spend, optionally of one quarter
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/spend",
    tags,
    summary: "List marketing spend",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(z.object({ data: z.array(SpendRowSchema) }), "Spend"), ...invalid },
  }),
  async (c) => c.json({ data: await listSpend(getDb(c.env.DB), c.req.valid("query").quarter) }, 200),
);

// PUT /api/v1/kpis/spend/{quarter}/{channel} — enter a channel's spend for a quarter
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "put",
    path: "/api/v1/kpis/spend/{quarter}/{channel}",
    tags,
    summary: "Enter spend",
    request: {
      params: SpendParams,
      body: jsonBody(PutSpendBody),
    },
    responses: { 200: jsonContent(SpendRowSchema, "The spend"), ...invalid },
  }),
  async (c) => {
    const { quarter, channel } = c.req.valid("param");
    return c.json(await putSpend(getDb(c.env.DB), quarter, channel, c.req.valid("json")), 200);
  },
);

// DELETE /api/v1/kpis/spend/{quarter}/{channel}
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "delete",
    path: "/api/v1/kpis/spend/{quarter}/{channel}",
    tags,
    summary: "Remove spend",
    request: { params: SpendParams },
    responses: deleted,
  }),
  async (c) => {
    const { quarter, channel } = c.req.valid("param");
    if (!(await deleteSpend(getDb(c.env.DB), quarter, channel)))
      throw notFound("No spend for this channel and quarter");
    return c.body(null, 204);
  },
);

// GET /api/v1/kpis/audits — every quarter's pillar audit, newest first
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/audits",
    tags,
    summary: "List pillar audits",
    responses: { 200: jsonContent(z.object({ data: z.array(AuditSchema) }), "Audits") },
  }),
  async (c) => c.json({ data: await listAudits(getDb(c.env.DB)) }, 200),
);

// GET /api/v1/kpis/audits/{quarter}
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/audits/{quarter}",
    tags,
    summary: "A quarter's pillar audit",
    request: { params: QuarterParams },
    responses: { 200: jsonContent(AuditSchema, "The audit"), 404: problemContent("Not audited"), ...invalid },
  }),
  async (c) => {
    const audit = await getAudit(getDb(c.env.DB), c.req.valid("param").quarter);
    if (!audit) throw notFound("This quarter has no audit");
    return c.json(audit, 200);
  },
);

// PUT /api/v1/kpis/audits/{quarter} — score the five pillars 1-5
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "put",
    path: "/api/v1/kpis/audits/{quarter}",
    tags,
    summary: "Run the pillar audit",
    request: {
      params: QuarterParams,
      body: jsonBody(PutAuditBody),
    },
    responses: { 200: jsonContent(AuditSchema, "The audit"), ...invalid },
  }),
  async (c) => c.json(await putAudit(getDb(c.env.DB), c.req.valid("param").quarter, c.req.valid("json").pillars), 200),
);

// DELETE /api/v1/kpis/audits/{quarter}
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "delete",
    path: "/api/v1/kpis/audits/{quarter}",
    tags,
    summary: "Remove a quarter's audit",
    request: { params: QuarterParams },
    responses: deleted,
  }),
  async (c) => {
    if (!(await deleteAudit(getDb(c.env.DB), c.req.valid("param").quarter)))
      throw notFound("This quarter has no audit");
    return c.body(null, 204);
  },
);

// GET /api/v1/kpis/alerts — KPIs that slipped from on track to at risk, newest first
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/kpis/alerts",
    tags,
    summary: "Pacing alerts",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(AlertSchema), "Alerts"), ...invalid },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(toPage(await listAlerts(getDb(c.env.DB), limit, cursor), limit), 200);
  },
);

// POST /api/v1/kpis/snapshots/recompute — rewrite stored daily snapshots on purpose (after a backfill)
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "post",
    path: "/api/v1/kpis/snapshots/recompute",
    tags,
    summary: "Recompute snapshots",
    description:
      "Daily snapshots never change by themselves when data is backfilled; this recomputes the completed days from `from` to `to` (UTC, at most 400) from the data as it is now.",
    request: { body: jsonBody(RecomputeBody) },
    responses: { 202: jsonContent(z.object({ days: z.number() }), "Queued"), ...invalid },
  }),
  async (c) => {
    const { from, to } = c.req.valid("json");
    const first = Date.parse(from);
    const last = Math.min(Date.parse(to), startOfDay(Date.now()) - DAY);
    if (last < first) {
      throw badRequest("Only completed days can be recomputed", [
        { path: "body.from", message: "Must be before today" },
      ]);
    }
    if ((last - first) / DAY + 1 > 400) {
      throw badRequest("At most 400 days at a time", [{ path: "body.to", message: "Too many days" }]);
    }
    const messages = recomputeMessages(first, last);
    await enqueue(c.env, messages);
    return c.json({ days: messages.length }, 202);
  },
);

// GET /api/v1/nps/surveys — surveys with their NPS so far
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/nps/surveys",
    tags: npsTags,
    summary: "List NPS surveys",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(SurveySchema), "Surveys"), ...invalid },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listSurveys(getDb(c.env.DB), q), q.limit), 200);
  },
);

// POST /api/v1/nps/surveys — create a survey
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "post",
    path: "/api/v1/nps/surveys",
    tags: npsTags,
    summary: "Create an NPS survey",
    request: { body: jsonBody(CreateSurveyBody) },
    responses: { 201: jsonContent(SurveySchema, "Created"), ...invalid },
  }),
  async (c) => c.json(await createSurvey(getDb(c.env.DB), c.req.valid("json")), 201),
);

// GET /api/v1/nps/surveys/{id}
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/nps/surveys/{id}",
    tags: npsTags,
    summary: "An NPS survey",
    request: { params: IdParams },
    responses: { 200: jsonContent(SurveySchema, "The survey"), 404: problemContent("No such survey") },
  }),
  async (c) => c.json(await getSurvey(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// PATCH /api/v1/nps/surveys/{id} — rename, reword, close or reopen
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "patch",
    path: "/api/v1/nps/surveys/{id}",
    tags: npsTags,
    summary: "Change an NPS survey",
    request: {
      params: IdParams,
      body: jsonBody(UpdateSurveyBody),
    },
    responses: { 200: jsonContent(SurveySchema, "The survey"), 404: problemContent("No such survey"), ...invalid },
  }),
  async (c) => c.json(await updateSurvey(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json")), 200),
);

// DELETE /api/v1/nps/surveys/{id} — delete a survey and its responses
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "delete",
    path: "/api/v1/nps/surveys/{id}",
    tags: npsTags,
    summary: "Delete an NPS survey and its responses",
    request: { params: IdParams },
    responses: deleted,
  }),
  async (c) => {
    await deleteSurvey(getDb(c.env.DB), c.req.valid("param").id);
    return c.body(null, 204);
  },
);

// POST /api/v1/nps/surveys/{id}/send — email the survey to contacts (once each), with one-click score links
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "post",
    path: "/api/v1/nps/surveys/{id}/send",
    tags: npsTags,
    summary: "Email the survey to contacts",
    description:
      "Queues one email per contact through the email capability (marketing consent and caps apply there). A contact already invited to this survey is skipped, so sending again is safe.",
    request: {
      params: IdParams,
      body: jsonBody(InviteBody),
    },
    responses: {
      200: jsonContent(InviteResultSchema, "Who was invited and who was skipped"),
      404: problemContent("No such survey"),
      409: problemContent("The survey is closed"),
      ...invalid,
    },
  }),
  async (c) => {
    const result = await inviteContacts(
      getDb(c.env.DB),
      c.env,
      c.req.valid("param").id,
      c.req.valid("json").contactIds,
    );
    if (result.invited.length) c.executionCtx.waitUntil(kickEmails(c.env));
    return c.json(result, 200);
  },
);

// POST /api/v1/nps/surveys/{id}/links — the signed one-click scoring links for one contact's email
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "post",
    path: "/api/v1/nps/surveys/{id}/links",
    tags: npsTags,
    summary: "One-click scoring links for a contact",
    request: {
      params: IdParams,
      body: jsonBody(LinksBody),
    },
    responses: {
      200: jsonContent(LinksSchema, "Links for scores 0-10"),
      404: problemContent("No such survey or contact"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const { id } = c.req.valid("param");
    const { contactId } = c.req.valid("json");
    await getSurvey(db, id);
    await requireContact(db, contactId);
    return c.json({ contactId, links: await npsLinks(c.env, id, contactId) }, 200);
  },
);

// GET /api/v1/nps/responses — responses with comments, newest first
kpisRoutes.openapi(
  adminRoute("kpis", {
    method: "get",
    path: "/api/v1/nps/responses",
    tags: npsTags,
    summary: "List NPS responses",
    request: { query: ResponsesQuery },
    responses: { 200: jsonContent(page(ResponseSchema), "Responses"), ...invalid },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const rows = await listResponses(getDb(c.env.DB), {
      surveyId: q.survey,
      segment: q.segment,
      withComment: q.comment === "true",
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json(toPage(rows, q.limit), 200);
  },
);

// POST /api/v1/nps/surveys/{id}/responses — an in-app answer from the visitor the identity token names
kpisRoutes.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/nps/surveys/{id}/responses",
    tags: npsTags,
    summary: "Answer an NPS survey (in-app)",
    description: "One answer per contact per survey: answering again changes the score (and the comment, if given).",
    security: [{ identityToken: [] }],
    middleware: [requireVisitor(), rateLimit("nps")] as const,
    request: {
      params: IdParams,
      body: jsonBody(AnswerBody),
    },
    responses: {
      200: jsonContent(AnswerSchema, "Recorded"),
      ...invalid,
      401: problemContent("No valid identity token"),
      404: problemContent("No such survey"),
      409: problemContent("The survey is closed"),
      429: problemContent("Too many answers"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const { id } = c.req.valid("param");
    await openSurvey(db, id);
    const body = c.req.valid("json");
    const row = await recordResponse(db, {
      surveyId: id,
      contactId: c.get("visitor").contactId,
      score: body.score,
      comment: body.comment,
      channel: "in_app",
    });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json(
      {
        surveyId: row.surveyId,
        contactId: row.contactId,
        score: row.score,
        segment: row.segment,
        comment: row.comment,
        respondedAt: row.respondedAt,
      },
      200,
    );
  },
);

// GET /api/v1/nps/surveys/{id}/me — the survey's question and the visitor's answer so far (for in-app widgets)
kpisRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/nps/surveys/{id}/me",
    tags: npsTags,
    summary: "The visitor's view of an NPS survey (in-app)",
    description: "Lets the host app decide whether to show the survey: `answer` is null until the visitor answers.",
    security: [{ identityToken: [] }],
    middleware: [requireVisitor()] as const,
    request: { params: IdParams },
    responses: {
      200: jsonContent(VisitorViewSchema, "The survey and the visitor's answer"),
      401: problemContent("No valid identity token"),
      404: problemContent("No such survey"),
    },
  }),
  async (c) => c.json(await visitorView(getDb(c.env.DB), c.req.valid("param").id, c.get("visitor").contactId), 200),
);

kpisRoutes.route("/", npsPages);
