import { DIRECTIONS, KPI_IDS, NPS_CHANNELS, PILLARS } from "../../db/schema/index.ts";
import { z } from "../lib/openapi.ts";
import { NPS_SEGMENTS } from "./nps.ts";
import { PACING_STATUSES } from "./pacing.ts";
import { QUARTER_PATTERN } from "./quarters.ts";

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
export const IdParams = z.object({ id: z.string().min(1).max(64) });

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
    forecast: z.number().nullable().openapi({ description: "Run rate to the quarter's end" }),
  })
  .openapi("KpiPacing");

const DefinitionFields = {
  kpi: KpiIdSchema,
  name: z.string(),
  unit: z.enum(["score", "ratio", "currency", "multiple", "points"]),
  direction: z.enum(DIRECTIONS),
  formula: z.string(),
  bands: z.tuple([z.number(), z.number()]).nullable().openapi({
    description: "Where fair and good begin (reversed when lower is better); null: relative to the target",
  }),
  source: z.enum(["kpis", "referrals", "feedback", "emails"]),
};

export const KpiReportItem = z
  .object({
    ...DefinitionFields,
    value: z.number().nullable().openapi({ description: "null when the inputs hold no data" }),
    inputs: Inputs,
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

export const SurveySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    question: z.string(),
    closedAt: z.number().nullable(),
    createdAt: z.number(),
    invited: z.number().openapi({ description: "Contacts the survey was emailed to" }),
    responses: z.number(),
    promoters: z.number(),
    passives: z.number(),
    detractors: z.number(),
    comments: z.number(),
    nps: z.number().nullable(),
  })
  .openapi("NpsSurvey");

export const CreateSurveyBody = z
  .object({ name: z.string().trim().min(1).max(200), question: z.string().trim().min(1).max(500).optional() })
  .openapi("CreateNpsSurvey");

export const UpdateSurveyBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    question: z.string().trim().min(1).max(500).optional(),
    closed: z.boolean().optional(),
  })
  .openapi("UpdateNpsSurvey");

export const ResponsesQuery = z.object({
  survey: z.string().max(64).optional(),
  segment: z.enum(NPS_SEGMENTS).optional(),
  comment: z.enum(["true", "false"]).optional().openapi({ description: "`true`: only responses with a comment" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const ResponseSchema = z
  .object({
    id: z.string(),
    surveyId: z.string(),
    contactId: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    score: z.number(),
    segment: z.enum(NPS_SEGMENTS),
    comment: z.string().nullable(),
    channel: z.enum(NPS_CHANNELS),
    respondedAt: z.number(),
  })
  .openapi("NpsResponse");

export const AnswerBody = z
  .object({ score: z.number().int().min(0).max(10), comment: z.string().max(2000).nullish() })
  .openapi("NpsAnswer");

export const AnswerSchema = z
  .object({
    surveyId: z.string(),
    contactId: z.string(),
    score: z.number(),
    segment: z.enum(NPS_SEGMENTS),
    comment: z.string().nullable(),
    respondedAt: z.number(),
  })
  .openapi("NpsAnswerRecorded");

export const VisitorViewSchema = z
  .object({
    survey: z.object({ id: z.string(), question: z.string(), open: z.boolean() }),
    answer: z
      .object({
        score: z.number(),
        segment: z.enum(NPS_SEGMENTS),
        comment: z.string().nullable(),
        respondedAt: z.number(),
      })
      .nullable(),
  })
  .openapi("NpsVisitorView");

export const InviteBody = z
  .object({ contactIds: z.array(z.string().min(1).max(64)).min(1).max(100) })
  .openapi("NpsInvite");
export const InviteResultSchema = z
  .object({
    invited: z.array(z.string()),
    skipped: z.array(
      z.object({ contactId: z.string(), reason: z.enum(["unknown-contact", "no-email", "already-invited"]) }),
    ),
  })
  .openapi("NpsInviteResult");

export const LinksBody = z.object({ contactId: z.string().min(1).max(64) }).openapi("NpsLinksRequest");
export const LinksSchema = z
  .object({ contactId: z.string(), links: z.array(z.object({ score: z.number(), url: z.string() })) })
  .openapi("NpsLinks");

/** The public one-click form: score from the chosen button, the signed contact, an optional comment. */
export const PublicAnswerForm = z.object({
  score: z.coerce.number().int().min(0).max(10),
  c: z.string().min(1).max(64),
  s: z.string().min(1).max(128),
  comment: z.string().max(2000).optional(),
});
export const PublicLinkQuery = z.object({ c: z.string().min(1).max(64), s: z.string().min(1).max(128) });
