// KPIs read what referrals, feedback and emails hold, through the real Worker and D1. In a file
// of its own (storage is per file): the values are hand-computed from what this test alone wrote.
import { describe, expect, it } from "vitest";
import { call, identityToken, newKey } from "./helpers.ts";
import { convert, enroll, newProgram } from "./referrals-support.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${++seq}`;

/** Segment calls through emails' ingestion API, as the host app makes them. */
async function segment(path: "/v1/batch", json: unknown) {
  const res = await call(path, { method: "POST", json, key: await newKey(["emails"]) });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe("kpis read referrals, feedback and emails", () => {
  it("over a date range, reports CLV, repeat purchase, referral conversion and feedback implementation as computed by hand", async () => {
    const now = Date.now();
    // Five whole UTC days to the end of today (KPIs count whole days): the active windows before
    // its start and its end do not overlap.
    const days = 5;
    const to = Math.floor(now / DAY) * DAY + DAY;
    const from = to - (days + 1) * DAY;
    const kkey = await newKey(["kpis"]);
    const settings = (await (await call("/api/v1/kpis/settings", { key: kkey })).json()) as Record<string, unknown>;
    const windowDays = Math.min(Number(settings.activeWindowDays), days);
    const put = (json: unknown) => call("/api/v1/kpis/settings", { method: "PUT", key: kkey, json });
    expect((await put({ ...settings, activeWindowDays: windowDays })).status).toBe(200);
    const iso = (t: number) => new Date(t).toISOString();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((x) => uniq(`kpi-${x}`));
    const track = (userId: string, event: string, at: number, amount?: number) => ({
      type: "track",
      userId,
      event,
      properties: amount === undefined ? {} : { amount },
      messageId: uniq("m"),
      timestamp: iso(at),
    });
    // a, c and d were active before the quarter; d has done nothing since (churned: 1 of 3).
    // Orders this quarter: a 100 + 50, b 30, c 20 -> revenue 200 over 3 payers, 1 of 3 repeats.
    await segment("/v1/batch", {
      batch: [
        track(a, "login", from - 3 * HOUR),
        track(c, "login", from - 2 * HOUR),
        track(d, "login", from - HOUR),
        track(a, "order_completed", from + HOUR, 100),
        track(a, "order_completed", now - 3 * HOUR, 50),
        track(b, "order_completed", now - 2 * HOUR, 30),
        track(c, "order_completed", now - HOUR, 20),
      ],
    });

    // Referrals: two referred sign-ups, one reaches the qualifying first payment.
    const rkey = await newKey(["referrals"]);
    const program = await newProgram(rkey, { qualifyingEvent: { type: "event", event: "first_payment" } });
    const referrer = await enroll(rkey, program.id, { id: uniq("ref"), email: "referrer@example.com" });
    const [paying, trial] = [uniq("cust"), uniq("cust")];
    for (const id of [paying, trial]) {
      const res = await convert(rkey, {
        event: "signup",
        customer: { id, email: `${id}@example.org` },
        code: referrer.code,
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const paid = await convert(rkey, {
      event: "first_payment",
      customer: { id: paying },
      amount: 4900,
      currency: "USD",
    });
    expect(paid.status, await paid.clone().text()).toBe(201);

    // Feedback: four posts received, one moved to done (1 vote on it, 2 on open posts).
    const fkey = await newKey(["feedback"]);
    const slug = uniq("kpiboard");
    expect(
      (await call("/api/v1/feedback/boards", { method: "POST", key: fkey, json: { slug, name: slug } })).status,
    ).toBe(201);
    const posts: string[] = [];
    for (const title of ["One", "Two", "Three", "Four"]) {
      const res = await call("/api/v1/feedback/posts", { method: "POST", key: fkey, json: { board: slug, title } });
      expect(res.status).toBe(201);
      posts.push(((await res.json()) as { id: string }).id);
    }
    for (const post of [posts[0], posts[1], posts[2]]) {
      const token = await identityToken({ id: uniq("fan"), email: `${uniq("fan")}@example.com` });
      const res = await call(`/api/v1/boards/${slug}/posts/${post}/vote`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBeLessThan(300);
    }
    const done = await call(`/api/v1/feedback/posts/${posts[0]}/status`, {
      method: "POST",
      key: fkey,
      json: { status: "done", notify: false },
    });
    expect(done.status).toBe(200);

    const range = new URLSearchParams({ from: iso(from), to: iso(to) });
    const res = await call(`/api/v1/kpis/range?${range}`, { key: kkey });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { kpis: Array<{ kpi: string; value: number | null; inputs: unknown }> };
    const kpi = (id: string) => report.kpis.find((k) => k.kpi === id);
    // CLV = ARPU 200/3 x margin 0.7 / churn 1/3 = 140.
    expect(kpi("churn")?.value).toBeCloseTo(1 / 3, 4);
    expect(kpi("clv")).toMatchObject({ value: 140, inputs: { revenue: 200, payingCustomers: 3 } });
    expect(kpi("repeat_purchase_rate")).toMatchObject({ inputs: { customers: 3, repeatCustomers: 1 } });
    expect(kpi("repeat_purchase_rate")?.value).toBeCloseTo(1 / 3, 4);
    expect(kpi("referral_conversion")).toMatchObject({ value: 0.5, inputs: { referredSignups: 2, qualified: 1 } });
    expect(kpi("feedback_implementation")).toMatchObject({ value: 0.25, inputs: { done: 1, received: 4 } });
    expect(kpi("feedback_implementation_votes")).toMatchObject({ inputs: { deliveredVotes: 1, openVotes: 2 } });
    expect(kpi("feedback_implementation_votes")?.value).toBeCloseTo(1 / 3, 4);
    expect((await put(settings)).status).toBe(200);
  });
});
