import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, inArray, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  contacts,
  referralClicks,
  referralConversions,
  referralRewardEvents,
  referralRewards,
  webhookEvents,
} from "../../db/schema/index.ts";
import worker from "../../worker/index.ts";
import { runScheduled } from "../../worker/jobs.ts";
import { referralConversion } from "../../worker/referrals/index.ts";
import { newClickId } from "../../worker/referrals/redirect.ts";
import { call, db, eventually, identityToken, newKey } from "./helpers.ts";
import { type ConversionResult, convert, enroll, newProgram, POLICY } from "./referrals-support.ts";

const DAY = 86_400_000;

async function ok(res: Response, status = 201): Promise<ConversionResult["conversions"][number]> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (JSON.parse(text) as ConversionResult).conversions[0];
}

async function rewardsOf(attributionId: string | null) {
  return db()
    .select()
    .from(referralRewards)
    .where(eq(referralRewards.attributionId, attributionId ?? ""))
    .orderBy(referralRewards.side);
}

let u = 0;
const uniq = (p: string) => `${p}-${Date.now()}-${++u}`;

describe("POST /api/v1/conversions", () => {
  it("requires an Idempotency-Key; a replay returns the first answer and changes nothing", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: uniq("ref"), email: "ref-idem@example.com" });
    const body = { event: "signup", customer: { id: uniq("cust"), email: "new-idem@example.org" }, code: r.code };
    const missing = await call("/api/v1/conversions", {
      method: "POST",
      key,
      json: { ...body, occurredAt: new Date().toISOString() },
    });
    expect(missing.status).toBe(400);
    const at = new Date().toISOString();
    const first = await ok(await convert(key, { ...body, occurredAt: at }, "idem-A"));
    const again = await convert(key, { ...body, occurredAt: at }, "idem-A");
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as ConversionResult).conversions[0]).toEqual(first);
    const rows = await db()
      .select()
      .from(referralConversions)
      .where(eq(referralConversions.attributionId, first.attributionId ?? ""));
    expect(rows).toHaveLength(1);
    const announced = await db()
      .select()
      .from(webhookEvents)
      .where(like(webhookEvents.payload, `%${first.id}%`));
    expect(announced.map((e) => e.type)).toEqual(["conversion.created"]);
    const other = await convert(key, { ...body, event: "first_payment", occurredAt: at }, "idem-A");
    expect(other.status).toBe(409);
    expect(other.headers.get("content-type")).toBe("application/problem+json");
  });

  it("attributes a click within the window, refuses one outside it, and keeps one referrer per customer", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { windowDays: 30 });
    const a = await enroll(key, p.id, { id: uniq("ref-a") });
    const b = await enroll(key, p.id, { id: uniq("ref-b") });
    const redirect = await call(`/r/${a.code}`, { headers: { "user-agent": "Mozilla/5.0 Firefox/130.0" } });
    const clickId = new URL(redirect.headers.get("location") ?? "").searchParams.get("rapport_click");
    const customer = { id: uniq("cust"), email: "c1@example.org" };
    const first = await ok(await convert(key, { event: "signup", customer, clickId }));
    expect(first).toMatchObject({ attributed: true, referrerId: a.id, qualified: true });
    const later = await ok(await convert(key, { event: "signup", customer, code: b.code }));
    expect(later).toMatchObject({ attributed: true, referrerId: a.id, attributionId: first.attributionId });

    const stale = newClickId(b.code, Date.now() - 31 * DAY);
    const outside = await ok(await convert(key, { event: "signup", customer: { id: uniq("cust") }, clickId: stale }));
    expect(outside).toMatchObject({ attributed: false, reason: "outside_window", rewards: [] });

    const bad = await convert(key, { event: "signup", customer: { id: uniq("cust") }, clickId: "clk_nope" });
    expect(bad.status).toBe(400);
    const unknown = await convert(key, { event: "signup", customer: { id: uniq("cust") }, code: "ZZZZ2345" });
    expect(unknown.status).toBe(400);
  });

  it("rejects malformed bodies with problem+json and writes nothing", async () => {
    const key = await newKey(["referrals"]);
    const before = (await db().select().from(referralConversions)).length;
    const res = await convert(key, { event: "Sign Up!", customer: { id: "" }, amount: -5, occurredAt: "yesterday" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ path: string }> };
    expect(body.errors.map((e) => e.path).sort()).toEqual([
      "body.amount",
      "body.customer.id",
      "body.event",
      "body.occurredAt",
    ]);
    expect(await db().select().from(referralConversions)).toHaveLength(before);
  });
});

describe("rewards", () => {
  it("double-sided rewards wait as pending, then are held for the hold period when the referral qualifies", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { qualifyingEvent: { type: "event", event: "first_payment" } });
    const r = await enroll(key, p.id, { id: uniq("ref"), email: "pat@example.com" });
    const customer = { id: uniq("cust"), email: "sam@example.org" };
    const signup = await ok(await convert(key, { event: "signup", customer, code: r.code }));
    expect(signup.qualified).toBe(false);
    expect(signup.rewards.map((x) => `${x.side}:${x.state}`).sort()).toEqual(["referee:pending", "referrer:pending"]);
    const paid = await ok(await convert(key, { event: "first_payment", customer, amount: 4900, currency: "USD" }));
    expect(paid).toMatchObject({ qualified: true, attributionId: signup.attributionId });
    const rows = await rewardsOf(signup.attributionId);
    expect(rows.map((x) => [x.side, x.state, x.holdReason])).toEqual([
      ["referee", "held", "hold_period"],
      ["referrer", "held", "hold_period"],
    ]);
    expect(rows[0].reward).toEqual({ kind: "discount", percent: 20 });
    expect(rows[1]).toMatchObject({ tier: 1, reward: { kind: "feature", feature: "dark-mode" } });
    expect(rows[1].clearsAt).toBeGreaterThan(Date.now() + 29 * DAY);
    const events = await db()
      .select()
      .from(webhookEvents)
      .where(like(webhookEvents.payload, `%${rows[1].id}%`));
    expect(events.map((e) => e.type)).toEqual(["reward.held"]);
    const history = await db().select().from(referralRewardEvents).where(eq(referralRewardEvents.rewardId, rows[1].id));
    expect(history.map((h) => `${h.fromState}->${h.toState}`)).toEqual(["null->pending", "pending->held"]);
  });

  it("tiers follow the count of qualified referrals; the monthly cap stops further referrer rewards", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { rewardPolicy: { ...POLICY, monthlyCap: 3 } });
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await ok(await convert(key, { event: "signup", customer: { id: uniq("cust") }, code: r.code })));
    }
    const referrerSide = await Promise.all(
      results.map(async (x) => (await rewardsOf(x.attributionId)).find((w) => w.side === "referrer")),
    );
    expect(referrerSide.map((w) => [w?.tier ?? null, w?.state, w?.reversedReason])).toEqual([
      [1, "held", null],
      [1, "held", null],
      [2, "held", null],
      [null, "reversed", "monthly_cap"],
    ]);
    expect(referrerSide[2]?.reward).toEqual({ kind: "credit", amount: 2000, currency: "USD" });
  });

  it("the admin list pages with a cursor and filters by program, state and referrer; a bad query is problem+json", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const a = await enroll(key, p.id, { id: uniq("ref") });
    const b = await enroll(key, p.id, { id: uniq("ref") });
    for (const r of [a, a, a, b]) {
      await ok(await convert(key, { event: "signup", customer: { id: uniq("cust") }, code: r.code }));
    }
    type Page = { data: Array<{ id: string; state: string; referrerId: string }>; nextCursor: string | null };
    const all = async (query: string) => {
      const seen: Page["data"] = [];
      let cursor: string | null = null;
      do {
        const res = await call(`/api/v1/rewards?${query}&limit=3${cursor ? `&cursor=${cursor}` : ""}`, { key });
        expect(res.status).toBe(200);
        const page = (await res.json()) as Page;
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const stored = await db().select().from(referralRewards).where(eq(referralRewards.programId, p.id));
    expect(stored).toHaveLength(8);
    const listed = await all(`programId=${p.id}`);
    expect(listed.map((r) => r.id).sort()).toEqual(stored.map((r) => r.id).sort());
    const ofB = await all(`programId=${p.id}&referrerId=${b.id}`);
    expect(ofB.map((r) => r.id).sort()).toEqual(
      stored
        .filter((r) => r.referrerId === b.id)
        .map((r) => r.id)
        .sort(),
    );
    expect(ofB).toHaveLength(2);
    const held = stored.filter((r) => r.state === "held");
    expect(held.length).toBeGreaterThan(0);
    expect((await all(`programId=${p.id}&state=held`)).map((r) => r.id).sort()).toEqual(held.map((r) => r.id).sort());
    expect(await all(`programId=${p.id}&state=paid`)).toEqual([]);
    for (const bad of ["state=lost", "limit=0", "limit=500", "flagged=maybe"]) {
      const res = await call(`/api/v1/rewards?${bad}`, { key });
      expect(res.status, bad).toBe(400);
      expect(res.headers.get("content-type"), bad).toMatch(/application\/problem\+json/);
    }
  });

  it("fraud rules hold the reward for review and name themselves", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, {
      rewardPolicy: { ...POLICY, velocity: { perReferrerPerDay: 3, perVisitorPerDay: 5 } },
    });
    const r = await enroll(key, p.id, { id: uniq("ref"), email: "Jo.Smith@example.com" });
    const alias = await ok(
      await convert(key, {
        event: "signup",
        customer: { id: uniq("c"), email: "jo.smith+2@example.com" },
        code: r.code,
      }),
    );
    const disposable = await ok(
      await convert(key, { event: "signup", customer: { id: uniq("c"), email: "x@mailinator.com" }, code: r.code }),
    );
    const clean = await ok(
      await convert(key, { event: "signup", customer: { id: uniq("c"), email: "ok@example.org" }, code: r.code }),
    );
    const fast = await ok(
      await convert(key, { event: "signup", customer: { id: uniq("c"), email: "ok2@example.org" }, code: r.code }),
    );
    const flags = async (x: { attributionId: string | null }) =>
      (await rewardsOf(x.attributionId)).find((w) => w.side === "referrer");
    expect(await flags(alias)).toMatchObject({ state: "held", flags: ["self_referral_email_alias"], clearsAt: null });
    expect((await flags(disposable))?.flags).toEqual(["disposable_email"]);
    expect((await flags(clean))?.flags).toEqual([]);
    expect((await flags(fast))?.flags).toEqual(["velocity_referrer"]);
    expect((await flags(alias))?.holdReason).toBe("review: self_referral_email_alias");
    const queue = (await (await call(`/api/v1/rewards?programId=${p.id}&state=held&flagged=true`, { key })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(queue.data).toHaveLength(6);
  });

  it("a refund within the hold reverses the rewards", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const customer = { id: uniq("cust") };
    const signup = await ok(await convert(key, { event: "signup", customer, code: r.code }));
    await ok(await convert(key, { event: "refund", customer }));
    const rows = await rewardsOf(signup.attributionId);
    expect(rows.map((x) => [x.state, x.reversedReason])).toEqual([
      ["reversed", "refund_within_hold"],
      ["reversed", "refund_within_hold"],
    ]);
  });

  it("a chargeback or a cancellation within the hold reverses the rewards and sends reward.reversed", async () => {
    const key = await newKey(["referrals"]);
    const admin = await newKey();
    const hook = await call("/api/v1/webhooks", {
      method: "POST",
      key: admin,
      json: { url: `${env.RECEIVER_URL}/hooks/reversed-${uniq("h")}`, eventTypes: ["reward.reversed"] },
    });
    const endpoint = (await hook.json()) as { id: string; url: string; secret: string };
    const p = await newProgram(key);
    const reversed: string[] = [];
    for (const event of ["chargeback", "cancellation"]) {
      const r = await enroll(key, p.id, { id: uniq("ref") });
      const customer = { id: uniq("cust") };
      const signup = await ok(await convert(key, { event: "signup", customer, code: r.code }));
      await ok(await convert(key, { event, customer }));
      const rows = await rewardsOf(signup.attributionId);
      expect(rows.map((x) => [x.side, x.state, x.reversedReason])).toEqual([
        ["referee", "reversed", `${event}_within_hold`],
        ["referrer", "reversed", `${event}_within_hold`],
      ]);
      reversed.push(...rows.map((x) => x.id));
    }
    // Delivered to the endpoint, signed, exactly one reward.reversed per reversed reward (other
    // tests' reversals, not yet fanned out, may reach it too).
    await runScheduled({ scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} } as ScheduledController, env);
    const path = new URL(endpoint.url).pathname;
    const mine = await eventually(async () => {
      const got = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Array<{
        headers: Record<string, string>;
        body: string;
      }>;
      const events = got.map(
        (g) => new Webhook(endpoint.secret).verify(g.body, g.headers) as { type: string; data: { id: string } },
      );
      const ours = events.filter((e) => reversed.includes(e.data.id));
      return ours.length >= reversed.length ? { events, ours } : undefined;
    });
    expect(mine.events.every((e) => e.type === "reward.reversed")).toBe(true);
    expect(mine.ours.map((e) => e.data.id).sort()).toEqual([...reversed].sort());
  });

  it("a visitor who signs up more people in a day than the program allows is flagged for review", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, {
      rewardPolicy: { ...POLICY, velocity: { perReferrerPerDay: 100, perVisitorPerDay: 2 } },
    });
    // One browser clicks three referrers' links and signs up three new customers.
    const headers = { "user-agent": "Mozilla/5.0 Firefox/132.0", "cf-connecting-ip": "192.0.2.91" };
    const flagsOf: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const r = await enroll(key, p.id, { id: uniq("ref") });
      const click = await call(`/r/${r.code}`, { headers });
      const clickId = new URL(click.headers.get("location") ?? "").searchParams.get("rapport_click") ?? "";
      await eventually(
        async () => (await db().query.referralClicks.findFirst({ where: eq(referralClicks.id, clickId) })) ?? null,
      );
      const signup = await ok(
        await convert(key, { event: "signup", customer: { id: uniq("cust"), email: `v${i}@example.org` }, clickId }),
      );
      const [, referrer] = await rewardsOf(signup.attributionId);
      flagsOf.push(referrer.flags);
    }
    // The third sign-up is the one past 2 a day; each referrer alone signed up one.
    expect(flagsOf).toEqual([[], [], ["velocity_visitor"]]);
  });

  it("admins approve, mark paid and reverse through the API; the ledger refuses what its state forbids", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const signup = await ok(await convert(key, { event: "signup", customer: { id: uniq("cust") }, code: r.code }));
    const [referee, referrer] = await rewardsOf(signup.attributionId);
    expect((await call(`/api/v1/rewards/${referrer.id}/pay`, { method: "POST", key })).status).toBe(409);
    const approved = await call(`/api/v1/rewards/${referrer.id}/approve`, {
      method: "POST",
      key,
      json: { note: "looks fine" },
    });
    expect(await approved.json()).toMatchObject({ state: "approved", clearsAt: null });
    const paid = await call(`/api/v1/rewards/${referrer.id}/pay`, { method: "POST", key });
    expect(await paid.json()).toMatchObject({ state: "paid" });
    expect(
      (await call(`/api/v1/rewards/${referrer.id}/reverse`, { method: "POST", key, json: { reason: "fraud" } })).status,
    ).toBe(409);
    const rev = await call(`/api/v1/rewards/${referee.id}/reverse`, {
      method: "POST",
      key,
      json: { reason: "fraud", note: "same card" },
    });
    expect(await rev.json()).toMatchObject({ state: "reversed", reversedReason: "fraud: same card" });
    expect(
      (await call(`/api/v1/rewards/${referee.id}/reverse`, { method: "POST", key, json: { reason: "bogus" } })).status,
    ).toBe(400);
    const detail = (await (await call(`/api/v1/rewards/${referrer.id}`, { key })).json()) as {
      history: Array<{ toState: string; actor: string }>;
    };
    expect(detail.history.map((h) => h.toState)).toEqual(["pending", "held", "approved", "paid"]);
    expect(detail.history[2].actor).toMatch(/^key:/);
    const types = await db()
      .select()
      .from(webhookEvents)
      .where(like(webhookEvents.payload, `%${referrer.id}%`));
    expect(types.map((e) => e.type)).toEqual(["reward.held", "reward.approved", "reward.paid"]);
    expect((await call("/api/v1/rewards/rwd_nope/approve", { method: "POST", key })).status).toBe(404);
  });

  it("cron enqueues cleared holds and the consumer approves each once", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const signup = await ok(await convert(key, { event: "signup", customer: { id: uniq("cust") }, code: r.code }));
    const ids = (await rewardsOf(signup.attributionId)).map((w) => w.id);
    await db()
      .update(referralRewards)
      .set({ clearsAt: Date.now() - 1000 })
      .where(inArray(referralRewards.id, ids));
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    await eventually(async () => {
      const rows = await db().select().from(referralRewards).where(inArray(referralRewards.id, ids));
      return rows.every((w) => w.state === "approved");
    });
    await new Promise((res) => setTimeout(res, 2500));
    const history = await db()
      .select()
      .from(referralRewardEvents)
      .where(and(inArray(referralRewardEvents.rewardId, ids), eq(referralRewardEvents.toState, "approved")));
    expect(history).toHaveLength(2);
    expect(history[0].reason).toBe("hold_cleared");
  });

  it("`active_after_days` qualifies on an event at least N days after sign-up", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { qualifyingEvent: { type: "active_after_days", days: 14 } });
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const customer = { id: uniq("cust") };
    const t0 = Date.now() - 20 * DAY;
    const click = newClickId(r.code, t0);
    const signup = await ok(
      await convert(key, { event: "signup", customer, clickId: click, occurredAt: new Date(t0).toISOString() }),
    );
    expect(signup.qualified).toBe(false);
    const early = await ok(
      await convert(key, { event: "login", customer, occurredAt: new Date(t0 + 3 * DAY).toISOString() }),
    );
    expect(early.qualified).toBe(false);
    const later = await ok(
      await convert(key, { event: "login", customer, occurredAt: new Date(t0 + 15 * DAY).toISOString() }),
    );
    expect(later.qualified).toBe(true);
  });
});

describe("the referrer's page and stats", () => {
  it("shows the referrer their funnel, next tier and why a reward is held; nobody else", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const ext = uniq("ref");
    const r = await enroll(key, p.id, { id: ext, email: "owner@example.com", name: "Owner" });
    await ok(
      await convert(key, {
        event: "signup",
        customer: { id: uniq("cust"), email: "friend@example.org" },
        code: r.code,
      }),
    );
    expect((await call(`/r/${r.code}/rewards`)).status).toBe(401);
    const stranger = await identityToken({ id: uniq("other"), email: "o@example.com" });
    const denied = await call(`/r/${r.code}/rewards`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(denied.status).toBe(404);
    const token = await identityToken({ id: ext, email: "owner@example.com" });
    const page = await call(`/r/${r.code}/rewards`, { headers: { cookie: `rapport_identity=${token}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const html = await page.text();
    expect(html).toContain("Unlocks dark-mode");
    expect(html).toContain("On hold");
    expect(html).toMatch(/Clears on \d{4}-\d{2}-\d{2}/);
    expect(html).toMatch(/2 more qualified referrals to reach tier 2/);
  });

  it("stats count clicks, unique clicks, sign-ups and the conversion rate by day and by source", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { qualifyingEvent: { type: "event", event: "first_payment" } });
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const ua = (n: number) => ({ "user-agent": `Mozilla/5.0 Firefox/${n}`, "cf-connecting-ip": `198.51.100.${n}` });
    for (const n of [1, 2, 2]) await call(`/r/${r.code}?utm_source=mastodon`, { headers: ua(n) });
    const c1 = { id: uniq("c") };
    await ok(await convert(key, { event: "signup", customer: c1, code: r.code }));
    await ok(await convert(key, { event: "signup", customer: { id: uniq("c") }, code: r.code }));
    await ok(await convert(key, { event: "first_payment", customer: c1 }));
    const stats = await eventually(async () => {
      const s = (await (await call(`/api/v1/programs/${p.id}/stats`, { key })).json()) as {
        totals: { clicks: number; uniqueClicks: number; signups: number; qualified: number; conversionRate: number };
        byDay: Array<{ day: string; clicks: number }>;
        bySource: Array<{ source: string; clicks: number }>;
      };
      return s.totals.clicks === 2 ? s : null;
    });
    expect(stats.totals).toMatchObject({ clicks: 2, uniqueClicks: 2, signups: 2, qualified: 1, conversionRate: 0.5 });
    expect(stats.byDay).toHaveLength(30);
    expect(stats.byDay.at(-1)?.clicks).toBe(2);
    expect(stats.bySource.find((s) => s.source === "mastodon")?.clicks).toBe(2);
    const bad = await call(`/api/v1/programs/${p.id}/stats?from=2026-02-30`, { key });
    expect(bad.status).toBe(400);

    const kpi = await referralConversion(db(), { from: Date.now() - DAY, to: Date.now() + DAY });
    expect(kpi.referredSignups).toBeGreaterThanOrEqual(2);
    expect(kpi.rate).toBe(kpi.qualified / kpi.referredSignups);
  });
});

describe("self-referral by visitor", () => {
  it("flags a sign-up from the same visitor that clicked the link while signed in as the referrer", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const ext = uniq("ref");
    const r = await enroll(key, p.id, { id: ext, email: "self@example.com" });
    const headers = { "user-agent": "Mozilla/5.0 Firefox/131.0", "cf-connecting-ip": "192.0.2.77" };
    const token = await identityToken({ id: ext });
    await call(`/r/${r.code}`, { headers: { ...headers, cookie: `rapport_identity=${token}` } });
    const second = await call(`/r/${r.code}`, { headers });
    const clickId = new URL(second.headers.get("location") ?? "").searchParams.get("rapport_click") ?? "";
    // Both clicks: the signed-in one is queued only once its token is checked, maybe in a later message.
    const own = await eventually(async () => {
      const rows = await db().select().from(referralClicks).where(eq(referralClicks.referrerId, r.id));
      return rows.length === 2 && rows.some((c) => c.id === clickId) ? rows : null;
    });
    expect(own.map((c) => c.byReferrer).sort()).toEqual([false, true]);
    const signup = await ok(
      await convert(key, { event: "signup", customer: { id: uniq("alt"), email: "other@example.org" }, clickId }),
    );
    const [, referrer] = await rewardsOf(signup.attributionId);
    expect(referrer.flags).toEqual(["self_referral_visitor"]);
  });
});

describe("attribution cookie", () => {
  it("first-click keeps the first click's cookie; last-click replaces it", async () => {
    const key = await newKey(["referrals"]);
    for (const model of ["first_click", "last_click"] as const) {
      const p = await newProgram(key, { attributionModel: model });
      const r = await enroll(key, p.id, { id: uniq("ref") });
      const res = await call(`/r/${r.code}`, { headers: { cookie: `rapport_ref_${p.id}=clk_OLD` } });
      expect(res.status).toBe(302);
      expect(res.headers.get("set-cookie") !== null, model).toBe(model === "last_click");
    }
  });
});

describe("retention qualification", () => {
  it("cron qualifies `active_after_days` referrals whose customer is still seen N days after sign-up, once", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { qualifyingEvent: { type: "active_after_days", days: 14 } });
    const r = await enroll(key, p.id, { id: uniq("ref") });
    const t0 = Date.now() - 20 * DAY;
    const stayed = { id: uniq("stay") };
    const left = { id: uniq("left") };
    const a = await ok(
      await convert(key, {
        event: "signup",
        customer: stayed,
        clickId: newClickId(r.code, t0),
        occurredAt: new Date(t0).toISOString(),
      }),
    );
    const b = await ok(
      await convert(key, {
        event: "signup",
        customer: left,
        clickId: newClickId(r.code, t0),
        occurredAt: new Date(t0).toISOString(),
      }),
    );
    await db()
      .update(contacts)
      .set({ lastSeenAt: t0 + 2 * DAY })
      .where(eq(contacts.externalId, left.id));
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    await eventually(async () => (await rewardsOf(a.attributionId)).every((w) => w.state === "held"));
    await new Promise((res) => setTimeout(res, 2500));
    expect((await rewardsOf(b.attributionId)).map((w) => w.state)).toEqual(["pending", "pending"]);
    const actives = await db()
      .select()
      .from(referralConversions)
      .where(
        and(eq(referralConversions.attributionId, a.attributionId ?? ""), eq(referralConversions.event, "active")),
      );
    expect(actives).toHaveLength(1);
  });
});
