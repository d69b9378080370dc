// Every KPI in one place: its name, unit, better direction, formula (as shown to marketers) and math.

import { type Direction, KPI_IDS, type KpiId } from "../../db/schema/index.ts";
import type { feedbackImplementation } from "../feedback/index.ts";
import type { referralConversion } from "../referrals/index.ts";
import {
  cac,
  clv,
  clvToCac,
  engagementScore,
  type KpiResult,
  nps,
  ratio,
  repeatPurchase,
  retention,
} from "./formulas.ts";
import type { KpiSettings } from "./schemas.ts";

export type KpiUnit = "score" | "ratio" | "currency" | "multiple" | "points";

export type KpiDefinition = {
  name: string;
  unit: KpiUnit;
  direction: Direction;
  formula: string;
  /** The values the KPI can take, [min, max]; max null when unbounded. Forecasts stay inside. */
  limits: [number, number | null];
  /** Poor/fair/good thresholds on the KPI's own scale (fair starts at [0], good at [1] when higher is better); null: relative to the target. */
  bands: [number, number] | null;
  source: "kpis" | "referrals" | "feedback" | "emails";
};

export const KPI_DEFINITIONS: Record<KpiId, KpiDefinition> = {
  nps: {
    name: "Net Promoter Score",
    unit: "score",
    direction: "higher",
    formula: "% promoters (9-10) − % detractors (0-6) among NPS responses given in the range",
    limits: [-100, 100],
    bands: [0, 50],
    source: "kpis",
  },
  referral_conversion: {
    name: "Referral conversion rate",
    unit: "ratio",
    direction: "higher",
    formula: "referred customers who reached the program's qualifying event / referred sign-ups, in the range",
    limits: [0, 1],
    bands: [0.1, 0.25],
    source: "referrals",
  },
  feedback_implementation: {
    name: "Feedback-implementation ratio",
    unit: "ratio",
    direction: "higher",
    formula:
      "feedback posts moved to done / new posts received in the range (duplicates and spam excluded); above 100% when the backlog shrinks",
    limits: [0, null],
    bands: [0.1, 0.3],
    source: "feedback",
  },
  feedback_implementation_votes: {
    name: "Feedback-implementation ratio (vote-weighted)",
    unit: "ratio",
    direction: "higher",
    formula: "votes on delivered posts / votes on delivered + open posts",
    limits: [0, 1],
    bands: [0.2, 0.4],
    source: "feedback",
  },
  email_engagement: {
    name: "Email engagement",
    unit: "ratio",
    direction: "higher",
    formula: "emails clicked / emails sent in the range (click-through; opens are in the inputs)",
    limits: [0, 1],
    bands: [0.02, 0.05],
    source: "emails",
  },
  clv: {
    name: "Customer lifetime value",
    unit: "currency",
    direction: "higher",
    formula: "ARPU × gross margin / churn rate; ARPU = revenue / paying customers; all over the range",
    limits: [0, null],
    bands: null,
    source: "emails",
  },
  cac: {
    name: "Customer acquisition cost",
    unit: "currency",
    direction: "lower",
    formula:
      "marketing spend in the range (each quarter's spend spread over its days) / customers whose first order is in the range",
    limits: [0, null],
    bands: null,
    source: "kpis",
  },
  clv_cac: {
    name: "CLV : CAC",
    unit: "multiple",
    direction: "higher",
    formula: "CLV / CAC; 3:1 or better is healthy",
    limits: [0, null],
    bands: [1, 3],
    source: "kpis",
  },
  repeat_purchase_rate: {
    name: "Repeat purchase rate",
    unit: "ratio",
    direction: "higher",
    formula: "customers with 2+ orders / customers with 1+ order in the range",
    limits: [0, 1],
    bands: [0.2, 0.4],
    source: "emails",
  },
  retention: {
    name: "Retention",
    unit: "ratio",
    direction: "higher",
    formula:
      "contacts active at the range's start (an event in the active window before it) still active at its end / those active at the start",
    limits: [0, 1],
    bands: [0.7, 0.85],
    source: "emails",
  },
  churn: {
    name: "Churn",
    unit: "ratio",
    direction: "lower",
    formula: "1 − retention: contacts active at the range's start not active at its end / those active at the start",
    limits: [0, 1],
    bands: [0.15, 0.3],
    source: "emails",
  },
  community_activity: {
    name: "Community activity rate",
    unit: "ratio",
    direction: "higher",
    formula:
      "members with at least one community event in the range / members (contacts first seen, or with an event, before the range's end)",
    limits: [0, 1],
    bands: [0.1, 0.25],
    source: "emails",
  },
  engagement_score: {
    name: "Engagement score",
    unit: "points",
    direction: "higher",
    formula: "mean over active contacts of min(100, 100 × Σ weight(event) × count / full score), events in the range",
    limits: [0, 100],
    bands: [40, 70],
    source: "emails",
  },
};

/** Everything the formulas read for one range, gathered by sources.ts (events from daily rollups). */
export type KpiFacts = {
  npsScores: number[];
  referral: Awaited<ReturnType<typeof referralConversion>>;
  feedback: Awaited<ReturnType<typeof feedbackImplementation>>;
  email: { sent: number; opened: number; clicked: number; unsubscribed: number };
  /** Per contact and event of the settings' order, revenue, community and weighted events: count and amount. */
  events: Array<{ contactId: string; event: string; count: number; amount: number }>;
  /** Contacts whose first order ever is in the range. */
  newCustomers: number;
  spend: number;
  /** Contacts active in the window before the range's start, and how many of them in the window before its end. */
  cohort: { cohort: number; retained: number };
  /** Contacts first seen before the range's end. */
  members: number;
  /** Contacts with any event in the range. */
  activeContacts: number;
};

/** Per contact, the sum of `measure` over the events in `names`. */
function perContact(facts: KpiFacts, names: string[], measure: "count" | "amount") {
  const sums = new Map<string, number>();
  for (const r of facts.events) {
    if (names.includes(r.event)) sums.set(r.contactId, (sums.get(r.contactId) ?? 0) + r[measure]);
  }
  return sums;
}

/** Computes every KPI from `facts`; pure, so the numbers can be checked by hand. */
export function computeKpis(facts: KpiFacts, settings: KpiSettings): Record<KpiId, KpiResult> {
  const kept = retention(facts.cohort);
  const revenueByContact = [...perContact(facts, settings.revenueEvents, "amount").values()];
  const clvResult = clv({
    revenue: revenueByContact.reduce((sum, amount) => sum + amount, 0),
    payingCustomers: revenueByContact.filter((amount) => amount > 0).length,
    grossMargin: settings.grossMargin,
    // Unrounded: the shown churn is rounded to 4 places, which would skew CLV by up to ~0.03%.
    churnRate: kept.cohort ? (kept.cohort - kept.retained) / kept.cohort : null,
  });
  const cacResult = cac({ spend: facts.spend, newCustomers: facts.newCustomers });
  const cohort = { cohort: kept.cohort, retained: kept.retained, activeWindowDays: settings.activeWindowDays };
  const communityActive = perContact(facts, settings.communityEvents, "count").size;
  const { referral: r, feedback: f, email: e } = facts;
  const out: Record<KpiId, KpiResult> = {
    nps: nps(facts.npsScores),
    referral_conversion: {
      value: ratio(r.qualified, r.referredSignups),
      inputs: { referredSignups: r.referredSignups, qualified: r.qualified },
    },
    feedback_implementation: { value: ratio(f.done, f.received), inputs: { done: f.done, received: f.received } },
    feedback_implementation_votes: {
      value: ratio(f.deliveredVotes, f.deliveredVotes + f.openVotes),
      inputs: { deliveredVotes: f.deliveredVotes, openVotes: f.openVotes },
    },
    email_engagement: {
      value: ratio(e.clicked, e.sent),
      inputs: {
        sent: e.sent,
        opened: e.opened,
        clicked: e.clicked,
        unsubscribed: e.unsubscribed,
        openRate: ratio(e.opened, e.sent),
      },
    },
    clv: clvResult,
    cac: cacResult,
    clv_cac: clvToCac(clvResult.value, cacResult.value),
    repeat_purchase_rate: repeatPurchase([...perContact(facts, [settings.orderEvent], "count").values()]),
    retention: { value: kept.retention, inputs: cohort },
    churn: { value: kept.churn, inputs: cohort },
    community_activity: {
      // No events at all in the range means the event source has nothing yet: no data, not 0%.
      value: facts.activeContacts ? ratio(communityActive, facts.members) : null,
      inputs: { members: facts.members, communityActive, activeContacts: facts.activeContacts },
    },
    engagement_score: engagementScore(
      facts.events,
      settings.engagementWeights,
      settings.engagementFullScore,
      facts.activeContacts,
    ),
  };
  for (const id of KPI_IDS) {
    const v = out[id].value;
    out[id].value = v === null ? null : Math.round(v * 10_000) / 10_000;
  }
  return out;
}

/** The event names a range's facts need: the order, revenue, community and weighted events. */
export function factEvents(settings: KpiSettings): string[] {
  return [
    ...new Set([
      settings.orderEvent,
      ...settings.revenueEvents,
      ...settings.communityEvents,
      ...Object.keys(settings.engagementWeights),
    ]),
  ];
}
