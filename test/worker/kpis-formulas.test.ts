import { describe, expect, it } from "vitest";
import { KPI_IDS } from "../../db/schema/index.ts";
import { computeKpis, type KpiFacts } from "../../worker/kpis/definitions.ts";
import { forecastQuarterEnd } from "../../worker/kpis/forecast.ts";
import {
  cac,
  clv,
  clvToCac,
  engagementScore,
  nps,
  repeatPurchase,
  retention,
  spendIn,
} from "../../worker/kpis/formulas.ts";
import { pace } from "../../worker/kpis/pacing.ts";
import { DAY, quarterOf, quarterRange, shiftQuarter, startOfWeek } from "../../worker/kpis/quarters.ts";
import { KpiSettingsSchema } from "../../worker/kpis/schemas.ts";

const settings = KpiSettingsSchema.parse({});
const Q4 = quarterRange("2026-Q4");

const emptyFacts: KpiFacts = {
  npsScores: [],
  referral: { referredSignups: 0, qualified: 0, rate: null },
  feedback: { done: 0, received: 0, ratio: null, deliveredVotes: 0, openVotes: 0, voteWeighted: null },
  email: { sent: 0, opened: 0, clicked: 0, unsubscribed: 0 },
  events: [],
  newCustomers: 0,
  spend: 0,
  cohort: { cohort: 0, retained: 0 },
  members: 0,
  activeContacts: 0,
};

describe("quarters", () => {
  it("maps quarters to UTC ranges and back", () => {
    expect(Q4).toEqual({ from: Date.UTC(2026, 9, 1), to: Date.UTC(2027, 0, 1) });
    expect(quarterOf(Date.UTC(2026, 11, 31, 23, 59))).toBe("2026-Q4");
    expect(quarterOf(Date.UTC(2027, 0, 1))).toBe("2027-Q1");
    expect(shiftQuarter("2026-Q1", -1)).toBe("2025-Q4");
    expect(shiftQuarter("2026-Q4", 1)).toBe("2027-Q1");
    expect(new Date(startOfWeek(Date.UTC(2026, 10, 22, 15))).toISOString()).toBe("2026-11-16T00:00:00.000Z");
  });
});

describe("formulas", () => {
  it("NPS is % promoters minus % detractors, with the counts", () => {
    expect(nps([10, 9, 9, 8, 7, 6, 0, 10, 3, 9])).toEqual({
      value: 20,
      inputs: { responses: 10, promoters: 5, passives: 2, detractors: 3 },
    });
    expect(nps([0, 1, 2]).value).toBe(-100);
    expect(nps([]).value).toBeNull();
  });

  it("retention follows the cohort active at the start; churn is the rest", () => {
    expect(retention({ cohort: 4, retained: 2 })).toEqual({
      cohort: 4,
      retained: 2,
      retention: 0.5,
      churn: 0.5,
    });
    expect(retention({ cohort: 0, retained: 0 })).toMatchObject({ cohort: 0, retention: null, churn: null });
  });

  it("repeat purchase rate counts customers with 2+ orders among those with 1+", () => {
    expect(repeatPurchase([1, 2, 3, 1, 0])).toEqual({ value: 0.5, inputs: { customers: 4, repeatCustomers: 2 } });
    expect(repeatPurchase([]).value).toBeNull();
  });

  it("CLV = ARPU x margin / churn; no churn or no customers is no data", () => {
    const r = clv({ revenue: 10_000, payingCustomers: 100, grossMargin: 0.8, churnRate: 0.05 });
    expect(r.value).toBe(1600);
    expect(r.inputs).toMatchObject({ arpu: 100, grossMargin: 0.8, churnRate: 0.05 });
    expect(clv({ revenue: 10_000, payingCustomers: 100, grossMargin: 0.8, churnRate: 0 }).value).toBeNull();
    expect(clv({ revenue: 0, payingCustomers: 0, grossMargin: 0.8, churnRate: 0.1 }).value).toBeNull();
  });

  it("CAC = spend / new customers and CLV:CAC is measured against 3:1", () => {
    expect(cac({ spend: 5000, newCustomers: 10 }).value).toBe(500);
    expect(cac({ spend: 5000, newCustomers: 0 })).toEqual({ value: null, inputs: { spend: 5000, newCustomers: 0 } });
    expect(clvToCac(1600, 500)).toEqual({ value: 3.2, inputs: { clv: 1600, cac: 500, line: 3 } });
    expect(clvToCac(null, 500).value).toBeNull();
  });

  it("spend is spread over its quarter's days", () => {
    const spend = [
      { quarter: "2026-Q4", amount: 9200 },
      { quarter: "2026-Q3", amount: 1000 },
    ];
    expect(spendIn(Q4, spend)).toBe(9200);
    const half = { from: Q4.from, to: Q4.from + (Q4.to - Q4.from) / 2 };
    expect(spendIn(half, spend)).toBeCloseTo(4600, 6);
  });

  it("engagement score weighs events, caps each contact at 100 and averages over active contacts", () => {
    const r = engagementScore(
      [
        { contactId: "a", event: "login", count: 10 },
        { contactId: "b", event: "login", count: 3 },
        { contactId: "a", event: "order_completed", count: 10 },
        { contactId: "c", event: "ignored", count: 100 },
      ],
      { login: 1, order_completed: 5 },
      30,
      4,
    );
    // a: 60 points -> 100; b: 3 points -> 10; c (unweighted) and d: active with 0.
    expect(r.value).toBe(27.5);
    expect(r.inputs).toEqual({ activeContacts: 4, scoredContacts: 2, scoreSum: 110 });
  });

  it("every KPI is null with its inputs when nothing has happened", () => {
    const r = computeKpis(emptyFacts, settings);
    expect(Object.keys(r).sort()).toEqual([...KPI_IDS].sort());
    for (const id of KPI_IDS) expect(r[id].value, id).toBeNull();
    expect(r.nps.inputs).toMatchObject({ responses: 0 });
    expect(r.cac.inputs).toMatchObject({ spend: 0, newCustomers: 0 });
  });

  it("computes dependent KPIs from one set of facts", () => {
    const r = computeKpis(
      {
        ...emptyFacts,
        events: [
          { contactId: "a", event: "order_completed", count: 3, amount: 300 },
          { contactId: "b", event: "order_completed", count: 1, amount: 100 },
          { contactId: "a", event: "feedback_vote", count: 4, amount: 0 },
          { contactId: "c", event: "feedback_post", count: 1, amount: 0 },
        ],
        newCustomers: 2,
        spend: 100,
        cohort: { cohort: 4, retained: 3 },
        members: 10,
        activeContacts: 6,
        referral: { referredSignups: 8, qualified: 2, rate: 0.25 },
        feedback: { done: 3, received: 12, ratio: 0.25, deliveredVotes: 30, openVotes: 90, voteWeighted: 0.25 },
        email: { sent: 200, opened: 80, clicked: 10, unsubscribed: 1 },
      },
      { ...settings, grossMargin: 0.5 },
    );
    expect(r.retention.value).toBe(0.75);
    expect(r.churn.value).toBe(0.25);
    // ARPU 200 x 0.5 / 0.25 = 400; CAC 100 / 2 = 50; 8:1.
    expect(r.clv.value).toBe(400);
    expect(r.cac.value).toBe(50);
    expect(r.clv_cac.value).toBe(8);
    expect(r.repeat_purchase_rate.value).toBe(0.5);
    expect(r.community_activity.value).toBe(0.2);
    // Members but no events at all: the event source is empty, which is no data rather than 0%.
    expect(computeKpis({ ...emptyFacts, members: 10 }, settings).community_activity.value).toBeNull();
    expect(r.referral_conversion.value).toBe(0.25);
    expect(r.feedback_implementation.value).toBe(0.25);
    expect(r.feedback_implementation_votes.value).toBe(0.25);
    expect(r.email_engagement).toEqual({
      value: 0.05,
      inputs: { sent: 200, opened: 80, clicked: 10, unsubscribed: 1, openRate: 0.4 },
    });
  });
});

describe("pacing against the forecast", () => {
  const mid = Q4.from + (Q4.to - Q4.from) / 2;
  const up = { startValue: 20, target: 40, direction: "higher" as const };
  const f = (value: number, low: number | null = null, high: number | null = null) => ({
    value,
    low,
    high,
    level: 0.8,
    method: low === null ? ("latest" as const) : ("drift" as const),
    days: 30,
  });

  it("keeps the straight line for the chart and reports the forecast", () => {
    expect(pace(up, 30, Q4, mid, f(39))).toEqual({ elapsed: 0.5, expected: 30, status: "on_track", forecast: 39 });
  });

  it("is on track only when the forecast reaches the target within 10%; the interval decides at risk or off track", () => {
    expect(pace(up, 30, Q4, mid, f(36.1, 30, 42)).status).toBe("on_track");
    // A value on the line whose forecast misses the target is not on track.
    expect(pace(up, 30, Q4, mid, f(35.9, 30, 42)).status).toBe("at_risk");
    expect(pace(up, 30, Q4, mid, f(30, 25, 36.1)).status).toBe("at_risk");
    expect(pace(up, 30, Q4, mid, f(30, 25, 35.9)).status).toBe("off_track");
    expect(pace(up, 50, Q4, mid, f(55, 50, 60)).status).toBe("on_track");
    // Without an interval: at risk within 25% short, off track beyond.
    expect(pace(up, 31, Q4, mid, f(31)).status).toBe("at_risk");
    expect(pace(up, 29, Q4, mid, f(29)).status).toBe("off_track");
  });

  it("respects direction: for lower-is-better, above the target is short, and the low end is the better one", () => {
    const down = { startValue: 200, target: 100, direction: "lower" as const };
    expect(pace(down, 150, Q4, mid, f(109, 90, 130)).status).toBe("on_track");
    expect(pace(down, 150, Q4, mid, f(120, 105, 140)).status).toBe("at_risk");
    expect(pace(down, 150, Q4, mid, f(150, 120, 180)).status).toBe("off_track");
    expect(pace(down, 90, Q4, mid, f(80)).status).toBe("on_track");
  });

  it("judges an ended quarter met or missed, and no value as no data", () => {
    expect(pace(up, 40, Q4, Q4.to).status).toBe("met");
    expect(pace(up, 39, Q4, Q4.to + 1).status).toBe("missed");
    expect(pace(up, null, Q4, mid)).toMatchObject({ status: "no_data", forecast: null, expected: 30 });
  });
});

describe("forecast", () => {
  const day = (n: number) => Q4.from + n * DAY;
  const series = (values: number[]) => values.map((value, i) => ({ day: day(i), value }));

  it("is the drift: latest value plus the mean daily change times the days left, with an 80% interval around it", () => {
    // +1 a day with no scatter over 10 days, as of the end of day 9: 82 days left.
    const r = forecastQuarterEnd(series(Array.from({ length: 10 }, (_, i) => 10 + i)), Q4, day(10), [0, null]);
    expect(r).toEqual({ value: 19 + 82, low: 101, high: 101, level: 0.8, method: "drift", days: 10 });
    const noisy = forecastQuarterEnd(series([10, 12, 11, 13, 12, 14, 13, 15]), Q4, day(8), [0, null]);
    expect(noisy?.method).toBe("drift");
    expect(noisy?.low).toBeLessThan(noisy?.value as number);
    expect(noisy?.high).toBeGreaterThan(noisy?.value as number);
  });

  it("stays within what the KPI can be: a falling rate never goes below 0, a rising one never above 1", () => {
    const falling = forecastQuarterEnd(series([0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15]), Q4, day(8), [0, 1]);
    expect(falling).toMatchObject({ value: 0, low: 0 });
    expect(falling?.high).toBeGreaterThanOrEqual(0);
    const rising = forecastQuarterEnd(series([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85]), Q4, day(8), [0, 1]);
    expect(rising).toMatchObject({ value: 1, high: 1 });
    const cac = forecastQuarterEnd(series([90, 80, 70, 60, 50, 40, 30, 20]), Q4, day(8), [0, null]);
    expect(cac?.value).toBe(0);
  });

  it("with fewer than 7 days is the latest value without an interval; without a value, none", () => {
    expect(forecastQuarterEnd(series([3, 4, 5]), Q4, day(3), [-100, 100])).toEqual({
      value: 5,
      low: null,
      high: null,
      level: 0.8,
      method: "latest",
      days: 3,
    });
    expect(forecastQuarterEnd([], Q4, day(3), [0, 1])).toBeNull();
  });
});
