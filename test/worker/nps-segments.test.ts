import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { contacts, emailMessages, npsInvitations } from "../../db/schema/index.ts";
import { call, db, newKey, problem } from "./helpers.ts";

let key: string;
let ingest: string;
beforeAll(async () => {
  [key, ingest] = await Promise.all([newKey(["kpis"]), newKey(["emails"])]);
});

const segmentCall = async (path: "/v1/identify" | "/v1/track", json: unknown) =>
  expect((await call(path, { method: "POST", key: ingest, json })).status).toBe(200);

async function contactOf(userId: string) {
  const [c] = await db().select().from(contacts).where(eq(contacts.externalId, userId));
  return c.id;
}

async function newSurvey(name: string) {
  const res = await call("/api/v1/nps/surveys", { method: "POST", key, json: { name } });
  return (await res.json()) as { id: string };
}

describe("NPS to a segment", () => {
  it("counts the recipients first (consent, trait, recent event, weekly cap), then invites each once", async () => {
    // A cohort of our own, so contacts of other tests never count.
    const cohort = crypto.randomUUID();
    const person = (userId: string, marketing: boolean, plan: string) =>
      segmentCall("/v1/identify", {
        userId,
        traits: { email: `${userId}@example.com`, cohort, plan },
        context: { consent: { categoryPreferences: { marketing } } },
      });
    await person(`${cohort}-a`, true, "pro");
    await person(`${cohort}-b`, true, "free");
    await person(`${cohort}-c`, false, "pro");
    await segmentCall("/v1/track", { userId: `${cohort}-a`, event: "ordered" });
    const [a, b] = await Promise.all([contactOf(`${cohort}-a`), contactOf(`${cohort}-b`)]);
    // B has had the weekly cap's 3 marketing emails: their survey waits, it is not dropped.
    const hourAgo = Date.now() - 3_600_000;
    await db()
      .insert(emailMessages)
      .values(
        [1, 2, 3].map((n) => ({
          id: `msg_${cohort}_${n}`,
          idempotencyKey: `${cohort}:${n}`,
          contactId: b,
          topic: "marketing" as const,
          state: "sent" as const,
          sendAfter: hourAgo,
          sentAt: hourAgo,
        })),
      );

    const survey = await newSurvey("Segmented");
    const audience = async (segment: unknown) => {
      const res = await call(`/api/v1/nps/surveys/${survey.id}/audience`, { method: "POST", key, json: segment });
      expect(res.status, await res.clone().text()).toBe(200);
      return res.json();
    };
    const inCohort = { trait: { key: "cohort", value: cohort } };
    expect(await audience(inCohort)).toEqual({ recipients: 2, atWeeklyCap: 1 });
    expect(await audience({ ...inCohort, event: { name: "ordered", withinDays: 30 } })).toEqual({
      recipients: 1,
      atWeeklyCap: 0,
    });

    const send = (json: unknown) => call(`/api/v1/nps/surveys/${survey.id}/send`, { method: "POST", key, json });
    const res = await send({ segment: inCohort });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ invited: [a, b].sort(), skipped: [], remaining: 0 });
    const queued = await db()
      .select()
      .from(emailMessages)
      .where(
        and(eq(emailMessages.topic, "marketing"), eq(emailMessages.idempotencyKey, `nps-invite:${survey.id}:${b}`)),
      );
    expect(queued).toHaveLength(1);
    // Sending again reaches nobody new.
    expect(await audience(inCohort)).toEqual({ recipients: 0, atWeeklyCap: 0 });
    expect(await (await send({ segment: inCohort })).json()).toEqual({ invited: [], skipped: [], remaining: 0 });
    expect(await db().select().from(npsInvitations).where(eq(npsInvitations.surveyId, survey.id))).toHaveLength(2);
  });

  it("invites a segment of 250 contacts, 200 a call (over D1's 100 bound parameters)", async () => {
    const cohort = crypto.randomUUID();
    const users = Array.from({ length: 250 }, (_, i) => `${cohort}-${i}`);
    const res = await call("/v1/batch", {
      method: "POST",
      key: ingest,
      json: {
        context: { consent: { categoryPreferences: { marketing: true } } },
        batch: users.map((userId) => ({
          type: "identify",
          userId,
          traits: { email: `${userId}@example.com`, cohort },
        })),
      },
    });
    expect(res.status).toBe(200);
    const survey = await newSurvey("Large segment");
    const send = async () => {
      const sent = await call(`/api/v1/nps/surveys/${survey.id}/send`, {
        method: "POST",
        key,
        json: { segment: { trait: { key: "cohort", value: cohort } } },
      });
      expect(sent.status, await sent.clone().text()).toBe(200);
      return (await sent.json()) as { invited: string[]; skipped: unknown[]; remaining: number };
    };
    const first = await send();
    expect([first.invited.length, first.skipped, first.remaining]).toEqual([200, [], 50]);
    const second = await send();
    expect([second.invited.length, second.skipped, second.remaining]).toEqual([50, [], 0]);
    const invited = await db().select().from(npsInvitations).where(eq(npsInvitations.surveyId, survey.id));
    expect(new Set(invited.map((i) => i.contactId)).size).toBe(250);
  });

  it("refuses a bad segment in words, and a closed or unknown survey", async () => {
    const survey = await newSurvey("Refusals");
    const audience = (id: string, json: unknown) =>
      call(`/api/v1/nps/surveys/${id}/audience`, { method: "POST", key, json });
    let body = await problem(
      await audience(survey.id, { trait: { key: 'x")', value: "1" } }),
      400,
      "validation-failed",
    );
    expect(body.errors).toMatchObject([
      { path: "body.trait.key", message: "A trait name: letters, digits, _ or - (1 to 64)" },
    ]);
    body = await problem(
      await audience(survey.id, { event: { name: "ordered", withinDays: 0 } }),
      400,
      "validation-failed",
    );
    expect(body.errors).toMatchObject([
      { path: "body.event.withinDays", message: "Days: a whole number from 1 to 365" },
    ]);
    await problem(await audience("nps_missing", {}), 404, "not-found");
    const send = (json: unknown) => call(`/api/v1/nps/surveys/${survey.id}/send`, { method: "POST", key, json });
    body = await problem(await send({ contactIds: ["ct_x"], segment: {} }), 400, "validation-failed");
    expect(body.errors?.[0]).toMatchObject({ message: "Send to contactIds or to a segment (one of them)" });
    await call(`/api/v1/nps/surveys/${survey.id}`, { method: "PATCH", key, json: { closed: true } });
    await problem(await send({ segment: {} }), 409, "conflict");
    expect(await db().select().from(npsInvitations).where(eq(npsInvitations.surveyId, survey.id))).toHaveLength(0);
  });
});
