// Public NPS pages for one-click email links. GET only shows a form (link scanners follow GETs
// and must not vote); the person's POST records the answer.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { readForm } from "../lib/forms.ts";
import { Layout } from "../lib/html.tsx";
import { newRouter } from "../lib/openapi.ts";
import { Problem } from "../lib/problem.ts";
import { rateLimit } from "../lib/rate-limit.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { openSurvey, recordResponse, requireContact, verifyNpsSignature } from "./nps.ts";
import { PublicAnswerForm, PublicLinkQuery } from "./schemas.ts";

export const npsPages = newRouter();

const CSS = `
.scores{display:flex;flex-wrap:wrap;gap:.35rem;border:0;padding:0;margin:1rem 0}
.scores label{display:block}
.scores input{position:absolute;opacity:0;width:1px;height:1px}
.scores span{display:inline-block;min-width:2.6rem;padding:.55rem 0;text-align:center;border:1px solid var(--line);border-radius:6px;cursor:pointer;font-weight:600}
.scores input:checked+span{background:var(--accent);color:#fff;border-color:var(--accent)}
.scores input:focus-visible+span{outline:3px solid var(--accent);outline-offset:2px}
.ends{display:flex;justify-content:space-between;max-width:34rem;font-size:.85em}
textarea{width:100%;max-width:34rem;min-height:6rem;font:inherit;padding:.5rem}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:0;background:var(--accent);color:#fff;cursor:pointer;margin-top:.75rem}
`;

type FormProps = {
  surveyId: string;
  question: string;
  contactId: string;
  sig: string;
  score: number | null;
  comment?: string | null;
  saved?: boolean;
  error?: string;
};

function AnswerPage(p: FormProps) {
  return (
    <Layout title={p.saved ? "Thank you" : "Your answer"}>
      <main>
        <style>{CSS}</style>
        {p.saved ? (
          <div role="status">
            <h1>Thank you!</h1>
            <p>
              We recorded <strong>{p.score}</strong>. You can change your score or tell us why below.
            </p>
          </div>
        ) : (
          <h1>{p.question}</h1>
        )}
        {p.error ? (
          <p role="alert" style="color:var(--bad)">
            {p.error}
          </p>
        ) : null}
        <form method="post" action={`/nps/${encodeURIComponent(p.surveyId)}`}>
          <input type="hidden" name="c" value={p.contactId} />
          <input type="hidden" name="s" value={p.sig} />
          <fieldset class="scores">
            <legend>{p.saved ? p.question : "Your score, from 0 (not at all likely) to 10 (extremely likely)"}</legend>
            {Array.from({ length: 11 }, (_, n) => (
              <label>
                <input type="radio" name="score" value={String(n)} checked={p.score === n} required />
                <span>{n}</span>
              </label>
            ))}
          </fieldset>
          <div class="ends muted" aria-hidden="true">
            <span>Not at all likely</span>
            <span>Extremely likely</span>
          </div>
          <p>
            <label for="comment">What is the main reason for your score? (optional)</label>
            <br />
            <textarea id="comment" name="comment" maxlength={2000}>
              {p.comment ?? ""}
            </textarea>
          </p>
          <button type="submit">{p.saved ? "Update my answer" : "Send my answer"}</button>
        </form>
      </main>
    </Layout>
  );
}

function MessagePage(c: Context<AppEnv>, status: ContentfulStatusCode, title: string, text: string) {
  c.header("cache-control", "private, no-store");
  return c.html(
    <Layout title={title}>
      <main>
        <h1>{title}</h1>
        <p>{text}</p>
      </main>
    </Layout>,
    status,
  );
}

/** Problems from the survey lookup, shown as pages instead of JSON. */
function problemPage(c: Context<AppEnv>, e: unknown) {
  if (e instanceof Problem && e.status === 404) {
    return MessagePage(c, 404, "Not found", "This survey (or the person it was sent to) does not exist any more.");
  }
  if (e instanceof Problem && e.status === 409) {
    return MessagePage(c, 410, "This survey is closed", "Thank you all the same: it no longer takes answers.");
  }
  throw e;
}

const invalidLink = (c: Context<AppEnv>) =>
  MessagePage(c, 403, "This link is not valid", "Use the link from your email exactly as it was sent.");

// GET /nps/:survey/:score — confirm page with the clicked score chosen; records nothing
npsPages.get("/nps/:survey/:score", async (c) => {
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
      <AnswerPage
        surveyId={surveyId}
        question={survey.question}
        contactId={q.data.c}
        sig={q.data.s}
        score={Number.isInteger(score) && score >= 0 && score <= 10 ? score : null}
      />,
    );
  } catch (e) {
    return problemPage(c, e);
  }
});

// POST /nps/:survey — record (or change) the signed contact's answer
npsPages.post("/nps/:survey", rateLimit("nps"), async (c) => {
  const surveyId = c.req.param("survey");
  const raw = await readForm(c);
  const form = PublicAnswerForm.safeParse(raw);
  const c0 = typeof raw.c === "string" ? raw.c : "";
  const s0 = typeof raw.s === "string" ? raw.s : "";
  if (!(await verifyNpsSignature(c.env.SIGNING_SECRET, surveyId, c0, s0))) return invalidLink(c);
  const db = getDb(c.env.DB);
  try {
    const survey = await openSurvey(db, surveyId);
    c.header("cache-control", "private, no-store");
    if (!form.success) {
      const props = { surveyId, question: survey.question, contactId: c0, sig: s0, score: null };
      return c.html(
        <AnswerPage {...props} error="Choose a score from 0 to 10 (comments up to 2000 characters)." />,
        400,
      );
    }
    await requireContact(db, form.data.c);
    const row = await recordResponse(db, {
      surveyId,
      contactId: form.data.c,
      score: form.data.score,
      comment: form.data.comment,
      channel: "email",
    });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.html(
      <AnswerPage
        surveyId={surveyId}
        question={survey.question}
        contactId={c0}
        sig={s0}
        score={row.score}
        comment={row.comment}
        saved
      />,
    );
  } catch (e) {
    return problemPage(c, e);
  }
});
