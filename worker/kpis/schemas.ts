// Requests and answers of the kpis capability.
import { DIRECTIONS, KPI_IDS, PILLARS } from "../../db/schema/index.ts";
import { problemContent, z } from "../lib/openapi.ts";
import { PACING_STATUSES } from "./pacing.ts";
import { QUARTER_PATTERN } from "./quarters.ts";

/** Refusals several operations share. */
export const invalid = { 400: problemContent("Invalid input") };
export const deleted = { 204: { description: "Deleted" }, 404: problemContent("Nothing to delete") };

export const Quarter = z.string().regex(QUARTER_PATTERN, "A quarter like 2026-Q4").openapi({ example: "2026-Q4" });
export const KpiIdSchema = z.enum(KPI_IDS);
const Num = z.number().finite().min(-1e12).max(1e12);
const Day = z.iso.date().openapi({ example: "2026-11-01" });

export const QuarterQuery = z.object({
  quarter: Quarter.optional().openapi({ description: "Defaults to the current quarter" }),
});
export const QuarterParams = z.object({ quarter: Quarter });
export const TargetParams = z.object({ quarter: Quarter, kpi: KpiIdSchema });
export const SpendParams = z.object({
  quarter: Quarter,
  channel: z
    .string()
    .min(1)
    .max(60)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "Lower-case letters, digits, - and _")
    .openapi({ example: "paid_search" }),
});
export const KpiParams = z.object({ kpi: KpiIdSchema });
export const HistoryQuery = z.object({ quarters: z.coerce.number().int().min(1).max(12).default(4) });

const Inputs = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));

export const TargetSchema = z
  .object({
    startValue: z.number(),
    target: z.number(),
    direction: z.enum(DIRECTIONS),
    ownerContactId: z.string().nullable(),
    ownerEmail: z.string().nullable(),
  })
  .openapi("KpiTargetValues");

export const PacingSchema = z
  .object({
    elapsed: z.number().openapi({ description: "Share of the quarter elapsed, 0-1" }),
    expected: z.number().openapi({ description: "start + (target - start) x elapsed" }),
    status: z.enum(PACING_STATUSES),
    forecast: z
      .number()
      .nullable()
      .openapi({ description: "The forecast value at the quarter's end (the status follows it)" }),
  })
  .openapi("KpiPacing");

export const ForecastSchema = z
  .object({
    value: z.number().openapi({ description: "The KPI at the end of the quarter, within `limits`" }),
    low: z.number().nullable().openapi({ description: "Lower end of the prediction interval; null with < 7 days" }),
    high: z.number().nullable().openapi({ description: "Upper end of the prediction interval; null with < 7 days" }),
    level: z.number().openapi({ description: "The interval's coverage (0.8: 80%)" }),
    method: z.enum(["drift", "latest"]).openapi({
      description:
        "drift: latest value + mean daily change over the last 28 days × days left; latest: the latest value (under 7 days of values)",
    }),
    days: z.number().int().openapi({ description: "Daily values it was computed from" }),
  })
  .openapi("KpiForecast");

const DefinitionFields = {
  kpi: KpiIdSchema,
  name: z.string(),
  unit: z.enum(["score", "ratio", "currency", "multiple", "points"]),
  direction: z.enum(DIRECTIONS),
  formula: z.string(),
  bands: z.tuple([z.number(), z.number()]).nullable().openapi({
    description: "Where fair and good begin (reversed when lower is better); null: relative to the target",
  }),
  limits: z.tuple([z.number(), z.number().nullable()]).openapi({
    description: "The values the KPI can take, [min, max] (max null: unbounded); forecasts stay inside",
  }),
  source: z.enum(["kpis", "referrals", "feedback", "emails"]),
};

export const KpiReportItem = z
  .object({
    ...DefinitionFields,
    value: z.number().nullable().openapi({ description: "null when the inputs hold no data" }),
    inputs: Inputs,
    forecast: ForecastSchema.nullable(),
    target: TargetSchema.nullable(),
    pacing: PacingSchema.nullable(),
    sparkline: z.array(z.object({ day: z.number(), value: z.number().nullable() })),
  })
  .openapi("KpiReportItem");

export const RangeQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).or(Day).openapi({ example: "2026-10-01", description: "Start (inclusive)" }),
    to: z.iso.datetime({ offset: true }).or(Day).openapi({ example: "2026-11-01", description: "End (exclusive)" }),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: "`from` must be before `to`", path: ["to"] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    message: "At most 400 days",
    path: ["to"],
  });

export const RangeReportSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    kpis: z.array(z.object({ ...DefinitionFields, value: z.number().nullable(), inputs: Inputs })),
  })
  .openapi("KpiRangeReport");

export const QuarterReportSchema = z
  .object({
    quarter: z.string(),
    from: z.number(),
    to: z.number(),
    phase: z.enum(["future", "live", "final"]),
    asOf: z.number(),
    currency: z.string().openapi({ description: "ISO 4217 code for currency KPIs" }),
    kpis: z.array(KpiReportItem),
  })
  .openapi("KpiQuarterReport");

export const HistorySchema = z
  .object({
    ...DefinitionFields,
    weeks: z.array(z.object({ week: z.number(), quarter: z.string(), day: z.number(), value: z.number().nullable() })),
    quarters: z.array(
      z.object({
        quarter: z.string(),
        phase: z.enum(["future", "live", "final"]),
        value: z.number().nullable(),
        inputs: Inputs.nullable(),
        asOf: z.number().nullable(),
        forecast: ForecastSchema.nullable(),
        target: TargetSchema.nullable(),
        pacing: PacingSchema.nullable(),
      }),
    ),
  })
  .openapi("KpiHistory");

export const PutTargetBody = z
  .object({
    startValue: Num,
    target: Num,
    direction: z.enum(DIRECTIONS).optional().openapi({ description: "Defaults to the KPI's better direction" }),
    ownerContactId: z.string().min(1).max(64).nullable().optional(),
    ownerEmail: z.email().max(320).nullable().optional(),
  })
  .refine((b) => b.ownerContactId || b.ownerEmail, {
    message: "Name an owner: ownerContactId or ownerEmail",
    path: ["ownerEmail"],
  })
  .openapi("PutKpiTarget");

export const TargetRowSchema = z
  .object({ id: z.string(), kpi: KpiIdSchema, quarter: z.string(), updatedAt: z.number() })
  .extend(TargetSchema.shape)
  .openapi("KpiTarget");

export const PutSpendBody = z
  .object({ amount: z.number().finite().min(0).max(1e12), note: z.string().max(500).nullable().optional() })
  .openapi("PutSpend");

export const SpendRowSchema = z
  .object({
    id: z.string(),
    quarter: z.string(),
    channel: z.string(),
    amount: z.number(),
    note: z.string().nullable(),
    updatedAt: z.number(),
  })
  .openapi("Spend");

export const PutAuditBody = z
  .object({
    pillars: z
      .array(
        z.object({
          pillar: z.enum(PILLARS),
          score: z.number().int().min(1).max(5),
          note: z.string().max(2000).nullish(),
        }),
      )
      .length(PILLARS.length)
      .refine((p) => new Set(p.map((x) => x.pillar)).size === PILLARS.length, "Score each of the five pillars once"),
  })
  .openapi("PutPillarAudit");

export const AuditSchema = z
  .object({
    quarter: z.string(),
    pillars: z.array(z.object({ pillar: z.enum(PILLARS), score: z.number().nullable(), note: z.string().nullable() })),
    average: z.number().nullable(),
    priority: z.enum(PILLARS).nullable().openapi({ description: "The lowest-scoring pillar" }),
    updatedAt: z.number().nullable(),
  })
  .openapi("PillarAudit");

export const AuditEvidenceSchema = z
  .object({
    quarter: z.string(),
    phase: z.enum(["live", "final", "future"]),
    pillars: z.array(
      z.object({
        pillar: z.enum(PILLARS),
        score: z.number().nullable().openapi({ description: "The manual score (1-5), null before the audit" }),
        suggested: z.number().nullable().openapi({
          description: "Mean of the KPIs' points (poor 1, fair 3, good 5), rounded; null when none has a band",
        }),
        kpis: z.array(
          z.object({
            kpi: KpiIdSchema,
            name: z.string(),
            value: z.number().nullable(),
            band: z.enum(["poor", "fair", "good"]).nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi("PillarAuditEvidence");

export const AlertSchema = z
  .object({
    id: z.string(),
    kpi: KpiIdSchema,
    quarter: z.string(),
    day: z.number(),
    recipient: z.string().nullable(),
    createdAt: z.number(),
  })
  .openapi("KpiAlert");

export const RecomputeBody = z
  .object({ from: Day, to: Day })
  .refine((b) => b.from <= b.to, { message: "`from` must not be after `to`", path: ["to"] })
  .openapi("RecomputeSnapshots");

const EventName = z.string().min(1).max(100);

/** What the organisation decides about its KPIs; every field has a sensible default. */
export const KpiSettingsSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("USD"),
    grossMargin: z.number().min(0).max(1).default(0.7).openapi({ description: "CLV's gross margin, 0-1" }),
    activeWindowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(30)
      .openapi({ description: "A contact is active at a moment if it had an event in the days before it" }),
    orderEvent: EventName.default("order_completed"),
    revenueEvents: z.array(EventName).min(1).max(10).default(["order_completed", "subscription_renewed"]),
    communityEvents: z
      .array(EventName)
      .min(1)
      .max(20)
      .default([
        "community_post",
        "community_comment",
        "feedback_vote",
        "feedback_post",
        "feedback_comment",
        "event_attended",
      ]),
    engagementWeights: z
      .record(EventName, z.number().min(-100).max(100))
      .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= 30, "Between 1 and 30 events")
      .default({
        login: 1,
        feature_used: 2,
        order_completed: 5,
        community_post: 3,
        referral_sent: 4,
        feedback_post: 3,
        feedback_comment: 2,
        feedback_vote: 1,
        nps_answered: 1,
        referral_converted: 4,
      }),
    engagementFullScore: z
      .number()
      .positive()
      .max(100_000)
      .default(30)
      .openapi({ description: "Weighted points in the range that make a contact's score 100" }),
  })
  .openapi("KpiSettings");
export type KpiSettings = z.infer<typeof KpiSettingsSchema>;

export const VotersLoopSchema = z
  .object({
    quarter: z.string(),
    from: z.number(),
    to: z.number(),
    ideas: z.number().openapi({ description: "Ideas moved to done in the quarter (and done still)" }),
    voters: z.number().openapi({ description: "People their done notice was for: voters and the author" }),
    told: z.number().openapi({ description: "Of them, people the notice was sent to" }),
    cameBack: z.number().openapi({
      description:
        "Of those told, people with any event on one of the `windowDays` UTC days after the day they were told",
    }),
    windowDays: z.number(),
  })
  .openapi("KpiFeedbackVoters");
