// KPIs over generated data: live equals the day's snapshot, values stay possible, each value follows
// from its inputs, and data the KPI does not read changes nothing.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailMessages, KPI_IDS, type KpiId, kpiSnapshots, npsResponses } from "../../db/schema/index.ts";
import { markSent } from "../../worker/emails/store/delivery.ts";
import { recordClick, recordOpen } from "../../worker/emails/store/engagement.ts";
import { computeKpis, KPI_DEFINITIONS, type KpiFacts } from "../../worker/kpis/definitions.ts";
import { forecastQuarterEnd } from "../../worker/kpis/forecast.ts";
import { quarterRange, startOfDay } from "../../worker/kpis/quarters.ts";
import { KpiSettingsSchema } from "../../worker/kpis/schemas.ts";
import { snapshotDay } from "../../worker/kpis/store/snapshots.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { call, db, newKey } from "./helpers.ts";

const DAY = 86_400_000;
const settings = KpiSettingsSchema.parse({});
const EVENTS = ["order_completed", "login", "feature_used", "feedback_vote", "community_post", "referral_sent"];

/** A small seeded generator (mulberry32): the same data on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: () => number, n: number) => Math.floor(r() * n);

type Item = { kpi: string; value: number | null; inputs: Record<string, number | string | null> };
const num = (v: unknown) => v as number;
const div = (a: number, b: number) => (b > 0 ? a / b : null);

/** Each KPI's value from its reported inputs, written out again by hand. */
function fromInputs(kpi: KpiId, i: Item["inputs"]): number | null {
  switch (kpi) {
    case "nps":
      return num(i.responses) ? ((num(i.promoters) - num(i.detractors)) / num(i.responses)) * 100 : null;
    case "referral_conversion":
      return div(num(i.qualified), num(i.referredSignups));
    case "feedback_implementation":
      return div(num(i.done), num(i.received));
    case "feedback_implementation_votes":
      return div(num(i.deliveredVotes), num(i.deliveredVotes) + num(i.openVotes));
    case "email_engagement":
      return div(num(i.clicked), num(i.sent));
    case "clv":
      return i.arpu === null || !num(i.churnRate) ? null : (num(i.arpu) * num(i.grossMargin)) / num(i.churnRate);
    case "cac":
      return div(num(i.spend), num(i.newCustomers));
    case "clv_cac":
      return i.clv === null || i.cac === null ? null : div(num(i.clv), num(i.cac));
    case "repeat_purchase_rate":
      return div(num(i.repeatCustomers), num(i.customers));
    case "retention":
      return div(num(i.retained), num(i.cohort));
    case "churn":
      return num(i.cohort) ? 1 - num(i.retained) / num(i.cohort) : null;
    case "community_activity":
      // No event of any kind in the range: the source has nothing yet, which is no data.
      return num(i.activeContacts) ? div(num(i.communityActive), num(i.members)) : null;
    case "engagement_score":
      return div(num(i.scoreSum), num(i.activeContacts));
  }
}

/** Possible values, counts that are never negative, parts never above their whole. */
function expectPossible(items: Item[]) {
  for (const k of items) {
    const [min, max] = KPI_DEFINITIONS[k.kpi as KpiId].limits;
    if (k.value !== null) {
      expect(k.value, k.kpi).toBeGreaterThanOrEqual(min);
      if (max !== null) expect(k.value, k.kpi).toBeLessThanOrEqual(max);
    }
    for (const [name, v] of Object.entries(k.inputs))
      if (typeof v === "number") expect(v, `${k.kpi}.${name}`).toBeGreaterThanOrEqual(0);
    const i = k.inputs as Record<string, number>;
    const parts: Array<[string, string]> = [
      ["promoters", "responses"],
      ["detractors", "responses"],
      ["qualified", "referredSignups"],
      ["opened", "sent"],
      ["clicked", "sent"],
      ["repeatCustomers", "customers"],
      ["retained", "cohort"],
      ["communityActive", "members"],
      ["scoredContacts", "activeContacts"],
    ];
    for (const [part, whole] of parts)
      if (part in i) expect(i[part], `${k.kpi}: ${part} ≤ ${whole}`).toBeLessThanOrEqual(i[whole]);
  }
}

/** KPIs shown to 2 decimals (the rest to 4). */
const TWO_PLACES = new Set<string>(["nps", "clv", "cac", "clv_cac", "engagement_score"]);

/** Each value equals its recomputation from its inputs (to its rounding, and 0.1% for rounded inputs). */
function expectFollowsInputs(items: Item[]) {
  for (const k of items) {
    const again = fromInputs(k.kpi as KpiId, k.inputs);
    const places = TWO_PLACES.has(k.kpi) ? 0.0051 : 0.000051;
    if (k.value === null || again === null) expect([k.kpi, k.value]).toEqual([k.kpi, again]);
    else expect(Math.abs(k.value - again), k.kpi).toBeLessThanOrEqual(Math.max(places, Math.abs(again) * 0.001));
  }
}

describe("KPI properties over generated facts (pure)", () => {
  it("every KPI stays possible and follows its inputs, for 300 generated sets of facts", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const contacts = Array.from({ length: 1 + int(r, 30) }, (_, i) => `c${i}`);
      const events: KpiFacts["events"] = [];
      for (const contactId of contacts)
        for (const event of EVENTS)
          if (r() < 0.4)
            events.push({
              contactId,
              event,
              count: 1 + int(r, 9),
              amount: event === "order_completed" ? int(r, 500) : 0,
            });
      const sent = int(r, 200);
      const opened = int(r, sent + 1);
      const referredSignups = int(r, 20);
      const deliveredVotes = int(r, 50);
      const cohort = int(r, contacts.length + 1);
      const facts: KpiFacts = {
        npsScores: Array.from({ length: int(r, 40) }, () => int(r, 11)),
        referral: { referredSignups, qualified: int(r, referredSignups + 1), rate: null },
        feedback: {
          done: int(r, 10),
          received: int(r, 30),
          ratio: null,
          deliveredVotes,
          openVotes: int(r, 50),
          voteWeighted: null,
        },
        email: { sent, opened, clicked: int(r, opened + 1), unsubscribed: int(r, sent + 1) },
        events,
        newCustomers: int(r, contacts.length + 1),
        spend: int(r, 10_000),
        cohort: { cohort, retained: int(r, cohort + 1) },
        members: contacts.length + int(r, 50),
        activeContacts: new Set(events.map((e) => e.contactId)).size,
      };
      const out = computeKpis(facts, { ...settings, grossMargin: r() });
      const items = KPI_IDS.map((kpi) => ({ kpi, ...out[kpi] }));
      expectPossible(items);
      expectFollowsInputs(items);
    }
  });

  it("a forecast stays in the KPI's range with its interval around it, for 300 generated series", () => {
    const q = quarterRange("2026-Q2");
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const kpi = KPI_IDS[int(r, KPI_IDS.length)];
      const [min, max] = KPI_DEFINITIONS[kpi].limits;
      const span = (max ?? 1000) - min;
      const days = 1 + int(r, 80);
      let v = min + r() * span;
      const series = Array.from({ length: days }, (_, i) => {
        v = Math.min(max ?? Number.POSITIVE_INFINITY, Math.max(min, v + (r() - 0.5) * span * 0.1));
        return { day: q.from + i * DAY, value: v };
      });
      const f = forecastQuarterEnd(series, q, q.from + days * DAY, [min, max]);
      expect(f).not.toBeNull();
      for (const x of [f?.value, f?.low, f?.high]) {
        if (x === null || x === undefined) continue;
        expect(x, kpi).toBeGreaterThanOrEqual(min);
        if (max !== null) expect(x, kpi).toBeLessThanOrEqual(max);
      }
      if (f?.low != null && f.high != null) {
        expect(f.low).toBeLessThanOrEqual(f.value);
        expect(f.high).toBeGreaterThanOrEqual(f.value);
      }
    }
  });
});

describe("KPI properties over generated data in D1", () => {
  const RANGE_FROM = Date.UTC(2025, 2, 10);
  const RANGE_TO = Date.UTC(2025, 2, 24);
  const range = new URLSearchParams({ from: new Date(RANGE_FROM).toISOString(), to: new Date(RANGE_TO).toISOString() });

  async function ingest(batch: unknown[]) {
    const key = await newKey(["emails"]);
    for (let i = 0; i < batch.length; i += 400) {
      const res = await call("/v1/batch", {
        method: "POST",
        json: { batch: batch.slice(i, i + 400) },
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
    }
  }

  async function rangeReport() {
    const res = await call(`/api/v1/kpis/range?${range}`, { key: await newKey(["kpis"]) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { kpis: Item[] }).kpis;
  }

  it("a range's KPIs are possible, follow their inputs, count what was generated, and ignore data they do not read", async () => {
    const r = rng(42);
    const users = Array.from({ length: 40 }, (_, i) => `prop-${i}`);
    const orders = new Map<string, number>();
    const batch = [];
    for (const [n, userId] of users.entries()) {
      // 40 days around the 14-day range, so the active windows before its start and end have data.
      for (let k = 0; k < 12; k++) {
        const at = RANGE_FROM - 30 * DAY + int(r, 44 * DAY);
        const event = EVENTS[int(r, EVENTS.length)];
        if (event === "order_completed" && at >= RANGE_FROM && at < RANGE_TO)
          orders.set(userId, (orders.get(userId) ?? 0) + 1);
        batch.push({
          type: "track",
          userId,
          event,
          properties: event === "order_completed" ? { amount: 10 + int(r, 90) } : {},
          messageId: `prop-${n}-${k}`,
          timestamp: new Date(at).toISOString(),
        });
      }
    }
    await ingest(batch);
    const before = await rangeReport();
    expectPossible(before);
    expectFollowsInputs(before);
    // Independently counted from the generated events.
    const repeat = before.find((k) => k.kpi === "repeat_purchase_rate");
    expect(repeat?.inputs).toEqual({
      customers: orders.size,
      repeatCustomers: [...orders.values()].filter((n) => n >= 2).length,
    });

    // Unrelated data: the same people's events long after the range (beyond its active windows) and
    // new people's orders then.
    await ingest([
      ...users.map((userId, n) => ({
        type: "track",
        userId,
        event: "page_viewed",
        messageId: `unrelated-${n}`,
        timestamp: new Date(RANGE_TO + 90 * DAY).toISOString(),
      })),
      ...users.map((userId, n) => ({
        type: "track",
        userId: `other-${userId}`,
        event: "order_completed",
        properties: { amount: 5 },
        messageId: `later-${n}`,
        timestamp: new Date(RANGE_TO + 60 * DAY).toISOString(),
      })),
    ]);
    const after = await rangeReport();
    const valuesOf = (items: Item[]) => items.map((k) => [k.kpi, k.value, k.inputs]);
    expect(valuesOf(after)).toEqual(valuesOf(before));
  });

  it("the live value of every KPI equals the snapshot of the same day", async () => {
    const d = db();
    const key = await newKey(["kpis"]);
    const now = Date.now();
    const today = startOfDay(now);
    const r = rng(7);
    // Today's data for every source the test can reach: events, email sends, NPS answers, spend.
    await ingest(
      Array.from({ length: 60 }, (_, n) => ({
        type: "track",
        userId: `live-${n % 15}`,
        event: EVENTS[n % EVENTS.length],
        properties: { amount: 20 + (n % 7) },
        messageId: `live-${n}`,
        timestamp: new Date(today + int(r, Math.max(1, now - today))).toISOString(),
      })),
    );
    const contact = await upsertContact(d, { externalId: "live-0" });
    for (let n = 0; n < 4; n++) {
      const id = `em_live_${n}`;
      await d.insert(emailMessages).values({
        id,
        idempotencyKey: id,
        contactId: contact.id,
        topic: "marketing",
        state: "sending",
        sendAfter: today,
        sentAt: today + n,
      });
      await markSent(d, id, null, today + n);
      if (n < 2) await recordOpen(d, id, now);
      if (n < 1) await recordClick(d, id, now);
    }
    const survey = (await (
      await call("/api/v1/nps/surveys", { method: "POST", key, json: { name: "Live" } })
    ).json()) as { id: string };
    for (const [n, score] of [10, 9, 4].entries()) {
      const c = await upsertContact(d, { externalId: `live-nps-${n}` });
      await d.insert(npsResponses).values({
        id: `npr_live_${n}`,
        surveyId: survey.id,
        contactId: c.id,
        score,
        channel: "email",
        respondedAt: today,
      });
    }
    const fresh = { key, headers: { "cache-control": "no-cache" } };
    const live = (await (await call("/api/v1/kpis", fresh)).json()) as { kpis: Item[] };
    await snapshotDay(d, { day: today, recompute: true, alert: false }, now);
    const snaps = await d.select().from(kpiSnapshots).where(eq(kpiSnapshots.day, today));
    for (const kpi of KPI_IDS) {
      const item = live.kpis.find((k) => k.kpi === kpi);
      const snap = snaps.find((s) => s.kpi === kpi);
      expect([kpi, snap?.value], "snapshot of today = live value").toEqual([kpi, item?.value]);
      expect(snap?.inputs).toEqual(item?.inputs);
    }
    expect(live.kpis.filter((k) => k.value !== null).map((k) => k.kpi)).toEqual(
      expect.arrayContaining(["nps", "email_engagement", "repeat_purchase_rate", "engagement_score"]),
    );
  });
});
