import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import {
  contacts,
  emailMessages,
  npsPromoterInvites,
  npsResponses,
  referralLinks,
  referralReferrers,
  webhookEvents,
} from "../../db/schema/index.ts";
import { call, db, eventually, identityToken, newKey, problem, runJobs } from "./helpers.ts";
import { convert, enroll, newProgram } from "./referrals-support.ts";

let key: string;
let ingest: string;
beforeAll(async () => {
  [key, ingest] = await Promise.all([newKey(["kpis", "referrals", "admin"]), newKey(["emails"])]);
});

/** A contact the host app identified, with or without marketing consent; returns its id and identity token. */
async function person(userId: string, marketing: boolean) {
  const email = `${userId}@example.com`;
  const res = await call("/v1/identify", {
    method: "POST",
    key: ingest,
    json: {
      userId,
      traits: { email, name: "Ada Lovelace" },
      context: { consent: { categoryPreferences: { marketing } } },
    },
  });
  expect(res.status).toBe(200);
  const [c] = await db().select().from(contacts).where(eq(contacts.externalId, userId));
  return { id: c.id, token: await identityToken({ id: userId, email }) };
}

async function answer(surveyId: string, token: string, score: number) {
  const res = await call(`/api/v1/nps/surveys/${surveyId}/responses`, { method: "POST", key: token, json: { score } });
  expect(res.status, await res.clone().text()).toBe(200);
  const [row] = await db().select().from(npsResponses).where(eq(npsResponses.surveyId, surveyId));
  return row.id;
}

async function newSurvey(json: Record<string, unknown>) {
  const res = await call("/api/v1/nps/surveys", { method: "POST", key, json: { name: "Loop", ...json } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; promoterProgramId: string | null };
}

const surveyCounts = async (id: string) =>
  (await (await call(`/api/v1/nps/surveys/${id}`, { key })).json()) as {
    promotersInvited: number;
    promotersReferred: number;
  };

const promoterMail = (programId: string, contactId: string) =>
  db()
    .select()
    .from(emailMessages)
    .where(eq(emailMessages.idempotencyKey, `nps-promoter:${programId}:${contactId}`));

const referrersOf = (programId: string, contactId: string) =>
  db()
    .select({ code: referralLinks.code })
    .from(referralReferrers)
    .innerJoin(referralLinks, eq(referralLinks.referrerId, referralReferrers.id))
    .where(and(eq(referralReferrers.programId, programId), eq(referralReferrers.contactId, contactId)));

describe("promoters become referrers", () => {
  it("enrols a promoter with marketing consent and emails their link once, whatever the re-answers and redeliveries", async () => {
    const program = await newProgram(key);
    const survey = await newSurvey({ promoterProgramId: program.id });
    expect(survey.promoterProgramId).toBe(program.id);
    const ada = await person(`promoter-${crypto.randomUUID()}`, true);

    const responseId = await answer(survey.id, ada.token, 10);
    const [mail] = await eventually(async () => {
      const rows = await promoterMail(program.id, ada.id);
      return rows.length ? rows : undefined;
    });
    const referrers = await referrersOf(program.id, ada.id);
    expect(referrers).toHaveLength(1);
    expect(mail.topic).toBe("marketing");
    expect(mail.text).toContain(`${env.PUBLIC_URL.replace(/\/$/, "")}/r/${referrers[0].code}`);

    // Answering again and the queue delivering the job twice change nothing.
    await answer(survey.id, ada.token, 9);
    await runJobs({ kind: "nps.answered", responseId }, { kind: "nps.answered", responseId });
    await runJobs({ kind: "nps.answered", responseId });
    expect(await promoterMail(program.id, ada.id)).toHaveLength(1);
    expect(await referrersOf(program.id, ada.id)).toHaveLength(1);
    expect(await db().select().from(npsPromoterInvites).where(eq(npsPromoterInvites.contactId, ada.id))).toHaveLength(
      1,
    );
    expect(await surveyCounts(survey.id)).toMatchObject({ promotersInvited: 1, promotersReferred: 0 });

    // Someone signs up through the promoter's link: they referred someone.
    const res = await convert(key, {
      event: "signup",
      customer: { id: `friend-${crypto.randomUUID()}`, email: "friend@example.org" },
      code: referrers[0].code,
    });
    expect(res.status).toBe(201);
    expect(await surveyCounts(survey.id)).toMatchObject({ promotersInvited: 1, promotersReferred: 1 });
  });

  it("keeps an existing referrer's enrolment and code, and sends the link once", async () => {
    const program = await newProgram(key);
    const survey = await newSurvey({ promoterProgramId: program.id });
    const userId = `already-${crypto.randomUUID()}`;
    const grace = await person(userId, true);
    const before = await enroll(key, program.id, { id: userId });
    const responseId = await answer(survey.id, grace.token, 9);
    await runJobs({ kind: "nps.answered", responseId });
    expect(await referrersOf(program.id, grace.id)).toEqual([{ code: before.code }]);
    const mail = await promoterMail(program.id, grace.id);
    expect(mail).toHaveLength(1);
    expect(mail[0].text).toContain(`/r/${before.code}`);
  });

  it("does nothing for a promoter without marketing consent, or when the survey names no program", async () => {
    const program = await newProgram(key);
    const withProgram = await newSurvey({ promoterProgramId: program.id });
    const noProgram = await newSurvey({});
    const bob = await person(`no-consent-${crypto.randomUUID()}`, false);
    const eve = await person(`consent-${crypto.randomUUID()}`, true);
    const ids = [await answer(withProgram.id, bob.token, 10), await answer(noProgram.id, eve.token, 10)];
    await runJobs(...ids.map((responseId) => ({ kind: "nps.answered", responseId })));
    expect(await promoterMail(program.id, bob.id)).toEqual([]);
    expect(await referrersOf(program.id, bob.id)).toEqual([]);
    expect(await db().select().from(npsPromoterInvites).where(eq(npsPromoterInvites.contactId, eve.id))).toEqual([]);
    expect(await surveyCounts(withProgram.id)).toMatchObject({ promotersInvited: 0 });
  });

  it("refuses a program that does not exist, or is archived", async () => {
    await problem(
      await call("/api/v1/nps/surveys", { method: "POST", key, json: { name: "X", promoterProgramId: "prg_nope" } }),
      400,
      "validation-failed",
    );
    const program = await newProgram(key);
    const archived = await call(`/api/v1/programs/${program.id}`, {
      method: "PATCH",
      key,
      json: { state: "archived" },
    });
    expect(archived.status).toBe(200);
    const survey = await newSurvey({});
    await problem(
      await call(`/api/v1/nps/surveys/${survey.id}`, { method: "PATCH", key, json: { promoterProgramId: program.id } }),
      409,
      "conflict",
    );
  });
});

type Followup = { id: string; responseId: string; score: number; doneAt: number | null; contactId: string };

describe("detractors open a follow-up", () => {
  it("sends one signed nps.detractor webhook and lists one follow-up per answer, which can be marked done", async () => {
    const url = `${env.RECEIVER_URL}/hooks/${crypto.randomUUID()}`;
    const created = await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url, eventTypes: ["nps.detractor"] },
    });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { secret: string };
    const survey = await newSurvey({});
    const dan = await person(`detractor-${crypto.randomUUID()}`, false);

    const responseId = await answer(survey.id, dan.token, 3);
    const received = async () =>
      (await (await fetch(`${env.RECEIVER_URL}/__received?path=${new URL(url).pathname}`)).json()) as Array<{
        headers: Record<string, string>;
        body: string;
      }>;
    const [got] = await eventually(async () => {
      const r = await received();
      return r.length ? r : undefined;
    });
    const event = new Webhook(endpoint.secret).verify(got.body, got.headers) as {
      type: string;
      data: { responseId: string; score: number; contact: { id: string } };
    };
    expect(event.type).toBe("nps.detractor");
    expect(event.data).toMatchObject({ responseId, score: 3, contact: { id: dan.id } });

    await answer(survey.id, dan.token, 4);
    await runJobs({ kind: "nps.answered", responseId }, { kind: "nps.answered", responseId });
    await runJobs({ kind: "webhook.sweep" });
    const events = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "nps.detractor"));
    expect(events).toHaveLength(1);
    expect(await received()).toHaveLength(1);

    const list = async (q = "") =>
      ((await (await call(`/api/v1/nps/followups${q}`, { key })).json()) as { data: Followup[] }).data;
    const open = await list("?state=open");
    expect(open.map((f) => [f.responseId, f.score, f.doneAt])).toEqual([[responseId, 3, null]]);

    const done = await call(`/api/v1/nps/followups/${open[0].id}`, { method: "PATCH", key, json: { done: true } });
    expect(done.status).toBe(200);
    expect(((await done.json()) as Followup).doneAt).toEqual(expect.any(Number));
    expect(await list("?state=open")).toEqual([]);
    expect((await list("?state=done")).map((f) => f.id)).toEqual([open[0].id]);
  });

  it("answers bad input with problem+json and changes nothing", async () => {
    await problem(await call("/api/v1/nps/followups?limit=0", { key }), 400, "validation-failed");
    await problem(await call("/api/v1/nps/followups?state=closed", { key }), 400, "validation-failed");
    await problem(
      await call("/api/v1/nps/followups/npf_nope", { method: "PATCH", key, json: { done: true } }),
      404,
      "not-found",
    );
    await problem(
      await call("/api/v1/nps/followups/npf_nope", { method: "PATCH", key, json: { done: "yes" } }),
      400,
      "validation-failed",
    );
  });
});
