// What visitors reach: in-app answers through the identity token, and the pages one-click email
// links open. A link's GET only shows a form (link scanners follow GETs and must not vote); the
// person's POST records the answer.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { readForm } from "../../lib/forms.ts";
import { requireVisitor } from "../../lib/identity.ts";
import { createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { Problem } from "../../lib/problem.ts";
import { enqueue } from "../../lib/queue.ts";
import { rateLimit } from "../../lib/rate-limit.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { verifyNpsSignature } from "../links.ts";
import {
  AnswerBody,
  AnswerSchema,
  IdParams,
  invalid,
  PublicAnswerForm,
  PublicLinkQuery,
  VisitorViewSchema,
} from "../schemas.ts";
import { requireContact } from "../store/contacts.ts";
import { recordResponse, visitorView } from "../store/responses.ts";
import { openSurvey } from "../store/surveys.ts";
import { AnswerPage, MessagePage } from "../views.tsx";

export const npsPublic = newRouter();
const tags = ["NPS"];
const noToken = { 401: problemContent("No valid identity token") };
const noSurvey = { 404: problemContent("No such survey") };

// POST /api/v1/nps/surveys/{id}/responses — an in-app answer from the visitor the identity token names
npsPublic.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/nps/surveys/{id}/responses",
    tags,
    summary: "Answer an NPS survey (in-app)",
    description: "One answer per contact per survey: answering again changes the score (and the comment, if given).",
    security: [{ identityToken: [] }],
    middleware: [requireVisitor(), rateLimit("nps")] as const,
    request: { params: IdParams, body: jsonBody(AnswerBody) },
    responses: {
      200: jsonContent(AnswerSchema, "Recorded"),
      ...invalid,
      ...noToken,
      ...noSurvey,
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
    await enqueue(c.env, { kind: "nps.answered", responseId: row.id });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    const { surveyId, contactId, score, segment, comment, respondedAt } = row;
    return c.json({ surveyId, contactId, score, segment, comment, respondedAt }, 200);
  },
);

// GET /api/v1/nps/surveys/{id}/me — the survey's question and the visitor's answer so far (for in-app widgets)
npsPublic.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/nps/surveys/{id}/me",
    tags,
    summary: "The visitor's view of an NPS survey (in-app)",
    description: "Lets the host app decide whether to show the survey: `answer` is null until the visitor answers.",
    security: [{ identityToken: [] }],
    middleware: [requireVisitor()] as const,
    request: { params: IdParams },
    responses: {
      200: jsonContent(VisitorViewSchema, "The survey and the visitor's answer"),
      ...noToken,
      ...noSurvey,
    },
  }),
  async (c) => c.json(await visitorView(getDb(c.env.DB), c.req.valid("param").id, c.get("visitor").contactId), 200),
);

function message(c: Context<AppEnv>, status: ContentfulStatusCode, title: string, text: string) {
  c.header("cache-control", "private, no-store");
  return c.html(MessagePage({ title, text }), status);
}

/** Problems from the survey lookup, shown as pages instead of JSON. */
function problemPage(c: Context<AppEnv>, e: unknown) {
  if (e instanceof Problem && e.status === 404) {
    return message(c, 404, "Not found", "This survey (or the person it was sent to) does not exist any more.");
  }
  if (e instanceof Problem && e.status === 409) {
    return message(c, 410, "This survey is closed", "Thank you all the same: it no longer takes answers.");
  }
  throw e;
}

const invalidLink = (c: Context<AppEnv>) =>
  message(c, 403, "This link is not valid", "Use the link from your email exactly as it was sent.");

// GET /nps/:survey/:score — confirm page with the clicked score chosen; records nothing
npsPublic.get("/nps/:survey/:score", async (c) => {
  const q = PublicLinkQuery.safeParse(c.req.query());
  const score = Number(c.req.param("score"));
  const surveyId = c.req.param("survey");
  if (!q.success || !(await verifyNpsSignature(c.env.SIGNING_SECRET, surveyId, q.data.c, q.data.s))) {
    return invalidLink(c);
  }
  try {
    const survey = await openSurvey(getDb(c.env.DB), surveyId);
    c.header("cache-control", "private, no-store");
    c.header("referrer-policy", "no-referrer");
    return c.html(
      AnswerPage({
        surveyId,
        question: survey.question,
        contactId: q.data.c,
        sig: q.data.s,
        score: Number.isInteger(score) && score >= 0 && score <= 10 ? score : null,
      }),
    );
  } catch (e) {
    return problemPage(c, e);
  }
});

// POST /nps/:survey — record (or change) the signed contact's answer
npsPublic.post("/nps/:survey", rateLimit("nps"), async (c) => {
  const surveyId = c.req.param("survey");
  const raw = await readForm(c);
  const form = PublicAnswerForm.safeParse(raw);
  const c0 = typeof raw.c === "string" ? raw.c : "";
  const s0 = typeof raw.s === "string" ? raw.s : "";
  if (!(await verifyNpsSignature(c.env.SIGNING_SECRET, surveyId, c0, s0))) return invalidLink(c);
  const db = getDb(c.env.DB);
  try {
    const survey = await openSurvey(db, surveyId);
    const props = { surveyId, question: survey.question, contactId: c0, sig: s0 };
    c.header("cache-control", "private, no-store");
    if (!form.success) {
      const error = "Choose a score from 0 to 10 (comments up to 2000 characters).";
      return c.html(AnswerPage({ ...props, score: null, error }), 400);
    }
    await requireContact(db, form.data.c);
    const row = await recordResponse(db, {
      surveyId,
      contactId: form.data.c,
      score: form.data.score,
      comment: form.data.comment,
      channel: "email",
    });
    await enqueue(c.env, { kind: "nps.answered", responseId: row.id });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.html(AnswerPage({ ...props, score: row.score, comment: row.comment, saved: true }));
  } catch (e) {
    return problemPage(c, e);
  }
});
