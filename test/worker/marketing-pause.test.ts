// The incident pause of marketing email: scoped to pages that pause it, a state with a beginning
// and an end, announced once in the outbox, and ended by hand from the API.
import { env as workerEnv } from "cloudflare:workers";
import { eq, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { emailMessages, emailProfiles, webhookEvents } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { emailStatements, pauseMarketingFor } from "../../worker/emails/index.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { runBatch } from "../../worker/lib/db.ts";
import { call, db, eventually, newKey, problem } from "./helpers.ts";
import { type Json, makePage, postJson } from "./status-support.ts";

// Deliveries happen at a pinned noon with pinned quiet hours, whatever the hour of the run.
const NOON = Date.UTC(2030, 0, 15, 12, 0);
const env = { ...workerEnv, EMAIL_QUIET_HOURS: "21:00-08:00" };
const uid = () => crypto.randomUUID().slice(0, 8);

type Pause = {
  paused: boolean;
  id: string | null;
  since: number | null;
  incidents: Array<{ incidentId: string; incidentName: string; pageName: string }>;
  lastResumed: { id: string; resumedBy: string } | null;
};

let key: string;
let primary: Awaited<ReturnType<typeof makePage>>;
let secondary: Awaited<ReturnType<typeof makePage>>;
beforeAll(async () => {
  key = await newKey(["admin"]);
  // The first page of this file's database, then a later one: neither says whether it pauses marketing.
  primary = await makePage(key, { components: 1 });
  secondary = await makePage(key, { components: 1 });
});

const pause = async () => (await (await call("/api/v1/emails/pause", { key })).json()) as Pause;
const resume = (json: unknown) => call("/api/v1/emails/pause/resume", { method: "POST", key, json });

async function openIncident(page: Json, impact: "major" | "critical" = "major") {
  const { res, body } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
    name: `Outage ${uid()}`,
    body: "Investigating.",
    impact,
  });
  expect(res.status).toBe(201);
  return body;
}
const resolve = async (incidentId: string) =>
  expect((await postJson(`/api/v1/status/incidents/${incidentId}/resolve`, key, {})).res.status).toBe(200);

/** A marketing and a transactional message to a contact who consented to marketing. */
async function queueMail() {
  const c = await upsertContact(db(), { externalId: `u-${uid()}`, email: `fan-${uid()}@example.com` });
  await db().insert(emailProfiles).values({ contactId: c.id, consentMarketing: true });
  const one = (topic: "marketing" | "transactional") => ({
    to: c.email as string,
    contactId: c.id,
    subject: topic,
    html: "<p>Hi</p>",
    text: "Hi",
    topic,
    idempotencyKey: `pause:${uid()}`,
  });
  const mails = [one("marketing"), one("transactional")];
  await runBatch(db(), emailStatements(db(), mails));
  const rows = await db().select().from(emailMessages).where(eq(emailMessages.contactId, c.id));
  const id = (topic: string) => rows.find((r) => r.topic === topic)?.id as string;
  return { marketing: id("marketing"), transactional: id("transactional") };
}
const messageRow = async (id: string) => (await db().select().from(emailMessages).where(eq(emailMessages.id, id)))[0];

/** The marketing events in the outbox that name `incidentId`, as `type incidentId resumedBy.kind`. */
async function outboxEvents(incidentId: string) {
  const rows = await db().select().from(webhookEvents).where(like(webhookEvents.type, "marketing.%"));
  return rows
    .map((r) => ({ type: r.type, data: r.payload as { incidentId: string; resumedBy?: { kind: string } } }))
    .filter((e) => e.data.incidentId === incidentId)
    .map((e) => `${e.type} ${e.data.resumedBy?.kind ?? ""}`.trim());
}

/** A webhook endpoint for `marketing.*`; `received()` verifies each delivery's Standard Webhooks signature. */
async function endpoint() {
  const url = `${env.RECEIVER_URL}/hooks/marketing-${uid()}`;
  const res = await call("/api/v1/webhooks", { method: "POST", key, json: { url, eventTypes: ["marketing.*"] } });
  const { secret } = (await res.json()) as { secret: string };
  return async (incidentId: string) => {
    const got = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${new URL(url).pathname}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
    }>;
    return got
      .map((g) => new Webhook(secret).verify(g.body, g.headers) as { type: string; data: { incidentId: string } })
      .filter((e) => e.data.incidentId === incidentId)
      .map((e) => e.type);
  };
}

describe("which pages pause marketing", () => {
  it("the first page made pauses marketing, later ones do not; PATCH changes it and refuses a non-boolean", async () => {
    expect(primary.page.pausesMarketing).toBe(true);
    expect(secondary.page.pausesMarketing).toBe(false);
    const path = `/api/v1/status/pages/${secondary.page.id}`;
    await problem(
      await call(path, { method: "PATCH", key, json: { pausesMarketing: "yes" } }),
      400,
      "validation-failed",
    );
    const extra = await makePage(key, { components: 0, pausesMarketing: true });
    expect(extra.page.pausesMarketing).toBe(true);
    const off = await postJson(`/api/v1/status/pages/${extra.page.id}`, key, { pausesMarketing: false }, "PATCH");
    expect(off.body.pausesMarketing).toBe(false);
    const { data } = (await (await call("/api/v1/status/pages", { key })).json()) as { data: Json[] };
    expect(data.find((p) => p.id === extra.page.id)?.pausesMarketing).toBe(false);
    expect(data.find((p) => p.id === primary.page.id)?.pausesMarketing).toBe(true);
  });

  it("a major incident on a page that does not pause marketing pauses nothing", async () => {
    const incident = await openIncident(secondary.page, "critical");
    expect((await pause()).paused).toBe(false);
    const mail = await queueMail();
    expect(await deliverMessage(env, mail.marketing, NOON, null)).toEqual({ outcome: "sent" });
    expect(await outboxEvents(incident.id)).toEqual([]);
    await resolve(incident.id);
  });
});

describe("the pause", () => {
  it("pauses marketing while the primary page's incident is open (transactional still goes) and resumes when it resolves, once", async () => {
    const received = await endpoint();
    const incident = await openIncident(primary.page);
    const state = await pause();
    expect(state).toMatchObject({ paused: true, id: incident.id });
    expect(state.incidents).toEqual([
      expect.objectContaining({ incidentId: incident.id, incidentName: incident.name, pageName: primary.page.name }),
    ]);

    const mail = await queueMail();
    expect(await deliverMessage(env, mail.marketing, NOON, null)).toEqual({ outcome: "deferred", reason: "incident" });
    expect(await deliverMessage(env, mail.transactional, NOON, null)).toEqual({ outcome: "sent" });

    await resolve(incident.id);
    expect(await pause()).toMatchObject({ paused: false, lastResumed: { id: incident.id, resumedBy: "incident" } });
    // The deferred message is due at once (cron's next sweep) and goes.
    expect((await messageRow(mail.marketing)).sendAfter).toBeLessThanOrEqual(Date.now());
    expect(await deliverMessage(env, mail.marketing, NOON + 60_000, null)).toEqual({ outcome: "sent" });

    // Writing the incident's pause again changes nothing: one pause, one event each, delivered once.
    const again = { incidentId: incident.id, incidentName: "x", pageId: primary.page.id, pageName: "x" };
    await runBatch(db(), pauseMarketingFor(db(), again, Date.now()));
    expect((await pause()).paused).toBe(false);
    expect((await outboxEvents(incident.id)).sort()).toEqual(["marketing.paused", "marketing.resumed incident"]);
    expect(
      (await eventually(async () => ((await received(incident.id)).length >= 2 ? received(incident.id) : null))).sort(),
    ).toEqual(["marketing.paused", "marketing.resumed"]);
  });

  it("holds while any pausing incident is open: the pause ends with the last one", async () => {
    const [first, second] = [await openIncident(primary.page), await openIncident(primary.page, "critical")];
    await resolve(first.id);
    const state = await pause();
    expect(state).toMatchObject({ paused: true, id: first.id });
    expect(state.incidents.map((i) => i.incidentId)).toEqual([second.id]);
    await resolve(second.id);
    expect((await pause()).paused).toBe(false);
    // One pause: begun by the first incident, ended by the second.
    expect(await outboxEvents(first.id)).toEqual(["marketing.paused", "marketing.resumed incident"]);
    expect(await outboxEvents(second.id)).toEqual([]);
  });

  it("a manual resume lets mail flow while the incident is open, until a new incident pauses again", async () => {
    const received = await endpoint();
    const first = await openIncident(primary.page);
    await problem(await resume({}), 400, "validation-failed");
    await problem(await resume({ pauseId: first.id, extra: 1 }), 400, "validation-failed");
    await problem(await resume({ pauseId: "inc_other" }), 409, "conflict");
    const res = await resume({ pauseId: first.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      paused: false,
      lastResumed: { id: first.id, resumedBy: "key: test admin" },
    });
    await problem(await resume({ pauseId: first.id }), 409, "conflict");

    const mail = await queueMail();
    expect(await deliverMessage(env, mail.marketing, NOON, null)).toEqual({ outcome: "sent" });
    // An update to the same incident does not pause again; a new incident does.
    const upd = await postJson(`/api/v1/status/incidents/${first.id}/updates`, key, {
      status: "identified",
      body: "Found it.",
      impact: "critical",
    });
    expect(upd.res.status).toBe(201);
    expect((await pause()).paused).toBe(false);
    const second = await openIncident(primary.page);
    expect(await pause()).toMatchObject({ paused: true, id: second.id });
    const later = await queueMail();
    expect(await deliverMessage(env, later.marketing, NOON, null)).toEqual({ outcome: "deferred", reason: "incident" });

    await resolve(second.id);
    expect((await pause()).paused).toBe(false);
    await resolve(first.id);
    expect(await outboxEvents(first.id)).toEqual(["marketing.paused", "marketing.resumed manual"]);
    expect(await outboxEvents(second.id)).toEqual(["marketing.paused", "marketing.resumed incident"]);
    const both = async () => [...(await received(first.id)), ...(await received(second.id))];
    expect((await eventually(async () => ((await both()).length >= 4 ? both() : null))).sort()).toEqual([
      "marketing.paused",
      "marketing.paused",
      "marketing.resumed",
      "marketing.resumed",
    ]);
  });
});
