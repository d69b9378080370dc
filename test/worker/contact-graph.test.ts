// One contact graph: what a known person does in feedback, status, NPS and referrals is recorded on
// their contact once (timeline, community activity, engagement), and a retry of each adds nothing.
// In a file of its own (storage is per file): the KPI counts are of this test's data alone.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { contacts, PILLARS, referralRewards } from "../../db/schema/index.ts";
import { quarterOf } from "../../worker/kpis/index.ts";
import { subscriberToken } from "../../worker/status/subscriptions.ts";
import { call, db, identityToken, newKey } from "./helpers.ts";
import { convert, enroll, newProgram, POLICY } from "./referrals-support.ts";
import { makePage, postJson } from "./status-support.ts";

const DAY = 86_400_000;
// Every action here is dated by the Worker's clock: pinned to the middle of a day in the middle of a
// quarter (and running on from there), the audit's quarter and the KPI ranges are those of the actions.
const PINNED = Date.UTC(2026, 4, 14, 12);
const uniq = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

type Timeline = { data: Array<{ kind: string; event?: string; properties?: Record<string, unknown> }> };
type Report = { kpis: Array<{ kpi: string; value: number | null; inputs: Record<string, number> }> };

describe("every capability records a known person's activity on the contact graph, once", () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: PINNED, shouldAdvanceTime: true });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("votes, posts, comments, subscriptions, NPS answers, enrolment, conversion and rewards reach the timeline and the KPIs", {
    timeout: 60_000,
  }, async () => {
    const person = uniq("graph");
    const email = `${person}@example.com`;
    const auth = { authorization: `Bearer ${await identityToken({ id: person, email, name: "Grace" })}` };

    // Feedback: an idea by the team (no author), then the person votes (twice), posts and comments.
    const fkey = await newKey(["feedback"]);
    const board = uniq("board");
    expect(
      (await call("/api/v1/feedback/boards", { method: "POST", key: fkey, json: { slug: board, name: board } })).status,
    ).toBe(201);
    const idea = (await (
      await call("/api/v1/feedback/posts", { method: "POST", key: fkey, json: { board, title: "Dark mode" } })
    ).json()) as { id: string };
    const vote = () => call(`/api/v1/boards/${board}/posts/${idea.id}/vote`, { method: "PUT", headers: auth });
    const actions = async () => {
      expect((await vote()).status).toBe(200);
    };
    await actions();
    const own = await call(`/api/v1/boards/${board}/posts`, {
      method: "POST",
      headers: auth,
      json: { title: "Export to CSV", body: "Please" },
    });
    expect(own.status, await own.clone().text()).toBe(201);
    const comment = await call(`/api/v1/boards/${board}/posts/${idea.id}/comments`, {
      method: "POST",
      headers: auth,
      json: { body: "Yes please" },
    });
    expect(comment.status, await comment.clone().text()).toBe(201);
    const [contact] = await db().select().from(contacts).where(eq(contacts.externalId, person));

    // Status: the person subscribes by their email and confirms.
    const { slug } = await makePage();
    const subscribe = () => postJson(`/status/${slug}/api/v2/subscribers.json`, "", { email });
    const { body: sub } = await subscribe();
    const confirm = async () =>
      call(`/status/${slug}/confirm/${await subscriberToken(env.SIGNING_SECRET, "confirm", sub.id)}`, {
        method: "POST",
      });
    expect((await confirm()).status).toBe(200);

    // NPS: the person answers 10 in the app.
    const survey = (await (
      await call("/api/v1/nps/surveys", { method: "POST", key: await newKey(["kpis"]), json: { name: "Graph NPS" } })
    ).json()) as { id: string };
    const answer = () =>
      call(`/api/v1/nps/surveys/${survey.id}/responses`, { method: "POST", headers: auth, json: { score: 10 } });
    expect((await answer()).status).toBe(200);

    // Referrals: the person is enrolled, then converts as a customer another referrer brought (their
    // reward approved at once, then paid).
    const rkey = await newKey(["referrals"]);
    const program = await newProgram(rkey, { rewardPolicy: { ...POLICY, holdDays: 0 } });
    const enrolment = () => enroll(rkey, program.id, { id: person, email });
    await enrolment();
    const friend = await enroll(rkey, program.id, { id: uniq("friend"), email: `${uniq("friend")}@example.com` });
    const occurredAt = new Date().toISOString();
    const conversion = () =>
      convert(rkey, { event: "signup", customer: { id: person }, code: friend.code, occurredAt }, `idem-${person}`);
    expect((await conversion()).status).toBe(201);
    const [reward] = await db().select().from(referralRewards).where(eq(referralRewards.contactId, contact.id));
    expect(reward.state).toBe("approved");
    const pay = () => call("/api/v1/rewards/pay", { method: "POST", key: rkey, json: { ids: [reward.id] } });
    expect((await pay()).status).toBe(200);

    const expected = [
      "feedback_vote",
      "feedback_post",
      "feedback_comment",
      "status_subscribed",
      "status_confirmed",
      "nps_answered",
      "referral_enrolled",
      "referral_converted",
      "referral_reward_earned",
      "referral_reward_paid",
    ].sort();
    const timeline = async () =>
      (
        (await (
          await call(`/api/v1/contacts/${contact.id}/timeline?limit=100`, { key: await newKey(["emails"]) })
        ).json()) as Timeline
      ).data
        .filter((i) => i.kind === "event")
        .map((i) => i.event as string)
        .sort();
    expect(await timeline()).toEqual(expected);

    const kkey = await newKey(["kpis"]);
    const today = Math.floor(PINNED / DAY) * DAY;
    const range = new URLSearchParams({
      from: new Date(today - DAY).toISOString(),
      to: new Date(today + DAY).toISOString(),
    });
    const report = async () => (await (await call(`/api/v1/kpis/range?${range}`, { key: kkey })).json()) as Report;
    const kpi = (r: Report, id: string) => r.kpis.find((k) => k.kpi === id);
    const before = await report();
    // The person is the only one with community events (the idea's author is the team).
    expect(kpi(before, "community_activity")?.inputs.communityActive).toBe(1);
    expect(kpi(before, "community_activity")?.value).toBeGreaterThan(0);
    // Default weights: post 3 + comment 2 + vote 1 + NPS answer 1 + converted 4 = 11 of 30 points.
    // The friend's enrolment makes them active too, with no weighted event: 36.67 points over 2 contacts.
    expect(kpi(before, "engagement_score")).toMatchObject({
      value: 18.33,
      inputs: { activeContacts: 2, scoredContacts: 1, scoreSum: 36.67 },
    });

    // The pillar audit shows the community pillar's evidence: activity 1 of 2 members (good, 5 points)
    // and engagement 18.33 (poor, 1 point) suggest 3, beside the manual score.
    const quarter = quarterOf(PINNED);
    const pillars = PILLARS.map((pillar) => ({ pillar, score: pillar === "community" ? 2 : 4 }));
    expect((await call(`/api/v1/kpis/audits/${quarter}`, { method: "PUT", key: kkey, json: { pillars } })).status).toBe(
      200,
    );
    const evidence = (await (await call(`/api/v1/kpis/audits/${quarter}/evidence`, { key: kkey })).json()) as {
      pillars: Array<{ pillar: string; score: number | null; suggested: number | null; kpis: unknown[] }>;
    };
    expect(evidence.pillars.find((p) => p.pillar === "community")).toEqual({
      pillar: "community",
      score: 2,
      suggested: 3,
      kpis: [
        { kpi: "community_activity", name: "Community activity rate", value: 0.5, band: "good" },
        { kpi: "engagement_score", name: "Engagement score", value: 18.33, band: "poor" },
      ],
    });
    // No feedback post is done: the implementation ratio is 0 of 2 posts (poor); no vote on a delivered post.
    expect(evidence.pillars.find((p) => p.pillar === "feedback_loops")).toMatchObject({ score: 4, suggested: 1 });

    // Retries and redeliveries: the same vote, subscription, confirmation, answer, enrolment,
    // conversion (same Idempotency-Key) and payout add nothing.
    await actions();
    await subscribe();
    await confirm();
    expect((await answer()).status).toBe(200);
    await enrolment();
    expect((await conversion()).status).toBe(200); // replayed
    expect((await pay()).status).toBe(200);
    expect(await timeline()).toEqual(expected);
    const after = await report();
    for (const id of ["community_activity", "engagement_score"]) expect(kpi(after, id)).toEqual(kpi(before, id));
  });
});
