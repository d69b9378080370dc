// /api/v1/nps/… — surveys, sending them, signed links and responses, for the console (the `kpis` scope).
import { kickEmails, weeklyCap } from "../../emails/index.ts";
import { getDb } from "../../lib/db.ts";
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
import { npsLinks } from "../links.ts";
import {
  AudienceSchema,
  CreateSurveyBody,
  FollowupSchema,
  FollowupsQuery,
  IdParams,
  InviteBody,
  InviteResultSchema,
  invalid,
  LinksBody,
  LinksSchema,
  ResponseSchema,
  ResponsesQuery,
  SegmentSchema,
  SurveySchema,
  UpdateFollowupBody,
  UpdateSurveyBody,
} from "../schemas.ts";
import { countAudience } from "../store/audience.ts";
import { requireContact } from "../store/contacts.ts";
import { inviteContacts, inviteSegment } from "../store/invitations.ts";
import { listFollowups, setFollowupDone } from "../store/loops.ts";
import { listResponses } from "../store/responses.ts";
import { createSurvey, deleteSurvey, getSurvey, listSurveys, updateSurvey } from "../store/surveys.ts";

export const npsAdmin = newRouter();
const op = adminOps(npsAdmin, "kpis", ["NPS"]);
const noSurvey = { 404: problemContent("No such survey") };
const archivedProgram = { 409: problemContent("The promoters' referral program is archived") };

// GET /api/v1/nps/surveys — surveys with their NPS so far
op(
  {
    method: "get",
    path: "/api/v1/nps/surveys",
    summary: "List NPS surveys",
    request: { query: PageQuery },
    responses: { 200: jsonContent(page(SurveySchema), "Surveys"), ...invalid },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listSurveys(getDb(c.env.DB), q), q.limit), 200);
  },
);

// POST /api/v1/nps/surveys — create a survey
op(
  {
    method: "post",
    path: "/api/v1/nps/surveys",
    summary: "Create an NPS survey",
    request: { body: jsonBody(CreateSurveyBody) },
    responses: { 201: jsonContent(SurveySchema, "Created"), ...invalid, ...archivedProgram },
  },
  async (c) => c.json(await createSurvey(getDb(c.env.DB), c.req.valid("json")), 201),
);

// GET /api/v1/nps/surveys/{id}
op(
  {
    method: "get",
    path: "/api/v1/nps/surveys/{id}",
    summary: "An NPS survey",
    request: { params: IdParams },
    responses: { 200: jsonContent(SurveySchema, "The survey"), ...noSurvey },
  },
  async (c) => c.json(await getSurvey(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// PATCH /api/v1/nps/surveys/{id} — rename, reword, close or reopen
op(
  {
    method: "patch",
    path: "/api/v1/nps/surveys/{id}",
    summary: "Change an NPS survey",
    request: { params: IdParams, body: jsonBody(UpdateSurveyBody) },
    responses: { 200: jsonContent(SurveySchema, "The survey"), ...noSurvey, ...invalid, ...archivedProgram },
  },
  async (c) => c.json(await updateSurvey(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json")), 200),
);

// DELETE /api/v1/nps/surveys/{id} — delete a survey and its responses
op(
  {
    method: "delete",
    path: "/api/v1/nps/surveys/{id}",
    summary: "Delete an NPS survey and its responses",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("Nothing to delete") },
  },
  async (c) => {
    await deleteSurvey(getDb(c.env.DB), c.req.valid("param").id);
    return c.body(null, 204);
  },
);

// POST /api/v1/nps/surveys/{id}/send — email the survey to contacts (once each), with one-click score links
op(
  {
    method: "post",
    path: "/api/v1/nps/surveys/{id}/send",
    summary: "Email the survey to contacts",
    description:
      "Queues one email per contact through the email capability (marketing consent, quiet hours and the weekly cap apply there: a capped contact's email waits, it is not dropped). A contact already invited to this survey is skipped, so sending again is safe. With `segment`, each call invites up to 200 contacts of the segment; `remaining` says how many are left for the next call.",
    request: { params: IdParams, body: jsonBody(InviteBody) },
    responses: {
      200: jsonContent(InviteResultSchema, "Who was invited and who was skipped"),
      ...noSurvey,
      409: problemContent("The survey is closed"),
      ...invalid,
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { contactIds, segment } = c.req.valid("json");
    const db = getDb(c.env.DB);
    const result = segment
      ? await inviteSegment(db, c.env, id, segment)
      : await inviteContacts(db, c.env, id, contactIds ?? []);
    if (result.invited.length) c.executionCtx.waitUntil(kickEmails(c.env));
    return c.json(result, 200);
  },
);

// POST /api/v1/nps/surveys/{id}/audience — how many a segment send would reach now, before sending
op(
  {
    method: "post",
    path: "/api/v1/nps/surveys/{id}/audience",
    summary: "Count a segment's recipients",
    description:
      "Contacts with an email address and marketing consent (not unsubscribed), narrowed by the segment, not yet invited to this survey; and how many of them the weekly marketing cap makes wait.",
    request: { params: IdParams, body: jsonBody(SegmentSchema) },
    responses: { 200: jsonContent(AudienceSchema, "The recipients"), ...noSurvey, ...invalid },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const { id } = c.req.valid("param");
    await getSurvey(db, id);
    return c.json(await countAudience(db, id, c.req.valid("json"), weeklyCap(c.env), Date.now()), 200);
  },
);

// POST /api/v1/nps/surveys/{id}/links — the signed one-click scoring links for one contact's email
op(
  {
    method: "post",
    path: "/api/v1/nps/surveys/{id}/links",
    summary: "One-click scoring links for a contact",
    request: { params: IdParams, body: jsonBody(LinksBody) },
    responses: {
      200: jsonContent(LinksSchema, "Links for scores 0-10"),
      404: problemContent("No such survey or contact"),
    },
  },
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
op(
  {
    method: "get",
    path: "/api/v1/nps/responses",
    summary: "List NPS responses",
    request: { query: ResponsesQuery },
    responses: { 200: jsonContent(page(ResponseSchema), "Responses"), ...invalid },
  },
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

// GET /api/v1/nps/followups — detractors' answers to follow up, newest first
op(
  {
    method: "get",
    path: "/api/v1/nps/followups",
    summary: "List detractor follow-ups",
    description:
      "One follow-up per answer of 0-6 (opened when the answer is recorded, with the `nps.detractor` webhook), newest first.",
    request: { query: FollowupsQuery },
    responses: { 200: jsonContent(page(FollowupSchema), "Follow-ups"), ...invalid },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listFollowups(getDb(c.env.DB), q), q.limit), 200);
  },
);

// PATCH /api/v1/nps/followups/{id} — mark a follow-up done, or open again
op(
  {
    method: "patch",
    path: "/api/v1/nps/followups/{id}",
    summary: "Mark a detractor follow-up done (or open again)",
    request: { params: IdParams, body: jsonBody(UpdateFollowupBody) },
    responses: {
      200: jsonContent(FollowupSchema, "The follow-up"),
      404: problemContent("No such follow-up"),
      ...invalid,
    },
  },
  async (c) => {
    const row = await setFollowupDone(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json").done, Date.now());
    return c.json(row, 200);
  },
);
