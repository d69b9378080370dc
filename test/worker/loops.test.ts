import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import {
  contacts,
  emailMessages,
  feedbackEvents,
  feedbackStatusChanges,
  npsPromoterInvites,
  npsResponses,
  referralLinks,
  referralReferrers,
  webhookEvents,
} from "../../db/schema/index.ts";
import { messagesWithBodies } from "../../worker/emails/store/outbox.ts";
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
  messagesWithBodies(db()).where(eq(emailMessages.idempotencyKey, `nps-promoter:${programId}:${contactId}`));

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

describe("voters hear when it ships, and it counts", () => {
  const DAY = 86_400_000;
  const shippedAt = Date.parse("2025-05-10T12:00:00Z"); // in 2025-Q2
  const toldAt = shippedAt + 3_600_000;

  it("counts, for ideas shipped in the quarter, the voters told and those back within 30 days after", async () => {
    const fb = await newKey(["feedback"]);
    const slug = `loop-${crypto.randomUUID().slice(0, 8)}`;
    expect(
      (await call("/api/v1/feedback/boards", { method: "POST", key: fb, json: { slug, name: "Loop" } })).status,
    ).toBe(201);
    const [a, b, c] = ["a", "b", "c"].map((n) => `voter-${n}-${crypto.randomUUID()}`);
    // A and B have an address; C has none, so C is a voter nobody can tell.
    const tokens = await Promise.all([
      identityToken({ id: a, email: `${a}@example.com` }),
      identityToken({ id: b, email: `${b}@example.com` }),
      identityToken({ id: c }),
    ]);
    const posted = await call(`/api/v1/boards/${slug}/posts`, {
      method: "POST",
      key: tokens[0],
      json: { title: "Export to CSV", body: "Please" },
    });
    expect(posted.status).toBe(201);
    const post = (await posted.json()) as { id: string };
    for (const t of tokens) {
      expect(
        (await call(`/api/v1/boards/${slug}/posts/${post.id}/vote`, { method: "PUT", key: t })).status,
      ).toBeLessThan(300);
    }
    const shipped = await call(`/api/v1/feedback/posts/${post.id}/status`, {
      method: "POST",
      key: fb,
      json: { status: "done" },
    });
    expect(shipped.status).toBe(200);

    // The change happened on 10 May 2025 and the two notices went out an hour later (the queue's own
    // delivery, whatever the wall clock's quiet hours made of it, is settled first and then set).
    const [change] = await db().select().from(feedbackStatusChanges).where(eq(feedbackStatusChanges.postId, post.id));
    const eventKey = `status:${change.id}`;
    const notices = () => messagesWithBodies(db()).where(like(emailMessages.idempotencyKey, `${eventKey}:%`));
    await eventually(async () => {
      const rows = await notices();
      return rows.length === 2 && rows.every((r) => r.state === "sent" || r.state === "deferred");
    });
    await db()
      .update(feedbackStatusChanges)
      .set({ createdAt: shippedAt })
      .where(eq(feedbackStatusChanges.id, change.id));
    await db().update(feedbackEvents).set({ createdAt: shippedAt }).where(eq(feedbackEvents.key, eventKey));
    await db()
      .update(emailMessages)
      .set({ state: "sent", sentAt: toldAt })
      .where(like(emailMessages.idempotencyKey, `${eventKey}:%`));
    // The hourly copy keeps who was told (the outbox prunes finished messages); twice is once.
    await runJobs({ kind: "feedback.told", at: toldAt + 3_600_000 }, { kind: "feedback.told", at: toldAt + 7_200_000 });

    // A is active 29 days after being told, B 31 days after, C (never told) 5 days after.
    const activity = { [a]: 29, [b]: 31, [c]: 5 };
    for (const [userId, days] of Object.entries(activity)) {
      const res = await call("/v1/track", {
        method: "POST",
        key: ingest,
        json: { userId, event: "report_exported", timestamp: new Date(toldAt + days * DAY).toISOString() },
      });
      expect(res.status).toBe(200);
    }

    // Independently: told = A and B; back = those told with an event 1 to 30 UTC days after the day told.
    const toldDay = Math.floor(toldAt / DAY);
    const told = [a, b];
    const back = told.filter((id) => {
      const d = Math.floor((toldAt + activity[id] * DAY) / DAY) - toldDay;
      return d >= 1 && d <= 30;
    });
    const res = await call("/api/v1/kpis/feedback_implementation/voters?quarter=2025-Q2", { key });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      quarter: "2025-Q2",
      from: Date.parse("2025-04-01T00:00:00Z"),
      to: Date.parse("2025-07-01T00:00:00Z"),
      ideas: 1,
      voters: 3,
      told: told.length,
      cameBack: back.length,
      windowDays: 30,
    });
    expect(back).toEqual([a]);

    // Another quarter has none of it; a malformed quarter is refused.
    const other = (await (
      await call("/api/v1/kpis/feedback_implementation/voters?quarter=2025-Q3", { key })
    ).json()) as {
      ideas: number;
      told: number;
    };
    expect(other).toMatchObject({ ideas: 0, told: 0 });
    await problem(
      await call("/api/v1/kpis/feedback_implementation/voters?quarter=2025-Q5", { key }),
      400,
      "validation-failed",
    );
  });
});
