// Requests and answers of the nps capability.
import { NPS_CHANNELS } from "../../db/schema/index.ts";
import { problemContent, z } from "../lib/openapi.ts";
import { SKIP_REASONS } from "./invitations.ts";
import { NPS_SEGMENTS } from "./segments.ts";

/** The refusal of a request that does not validate. */
export const invalid = { 400: problemContent("Invalid input") };

export const IdParams = z.object({ id: z.string().min(1).max(64) });

export const SurveySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    question: z.string(),
    promoterProgramId: z.string().nullable().openapi({
      description:
        "The referral program a promoter (9-10) with marketing consent is enrolled in and emailed their link for, once per contact and program; null: off",
    }),
    closedAt: z.number().nullable(),
    createdAt: z.number(),
    promotersInvited: z.number().openapi({ description: "Promoters of this survey invited to refer" }),
    promotersReferred: z
      .number()
      .openapi({ description: "Of them, how many referred someone (an attributed sign-up) after the invitation" }),
    invited: z.number().openapi({ description: "Contacts the survey was emailed to" }),
    responses: z.number(),
    promoters: z.number(),
    passives: z.number(),
    detractors: z.number(),
    comments: z.number(),
    nps: z.number().nullable(),
  })
  .openapi("NpsSurvey");

const PromoterProgram = z.string().min(1).max(64).nullable().optional();

export const CreateSurveyBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    question: z.string().trim().min(1).max(500).optional(),
    promoterProgramId: PromoterProgram,
  })
  .openapi("CreateNpsSurvey");

export const UpdateSurveyBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    question: z.string().trim().min(1).max(500).optional(),
    closed: z.boolean().optional(),
    promoterProgramId: PromoterProgram,
  })
  .openapi("UpdateNpsSurvey");

export const FollowupsQuery = z.object({
  state: z
    .enum(["open", "done"])
    .optional()
    .openapi({ description: "Only open or only done follow-ups; all when absent" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const FollowupSchema = z
  .object({
    id: z.string(),
    responseId: z.string(),
    surveyId: z.string(),
    surveyName: z.string(),
    contactId: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    score: z.number().openapi({ description: "The score that opened it (0-6)" }),
    comment: z.string().nullable().openapi({ description: "The answer's comment as it is now" }),
    createdAt: z.number(),
    doneAt: z.number().nullable(),
  })
  .openapi("NpsFollowup");

export const UpdateFollowupBody = z.object({ done: z.boolean() }).openapi("UpdateNpsFollowup");

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

/** Who a survey goes to besides chosen contacts: everyone with marketing consent, narrowed by a trait or an event. */
export const SegmentSchema = z
  .object({
    trait: z
      .object({
        key: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, "A trait name: letters, digits, _ or - (1 to 64)")
          .openapi({ example: "plan" }),
        value: z.union([z.string().max(200), z.number().finite(), z.boolean()]).openapi({ example: "pro" }),
      })
      .optional()
      .openapi({ description: "Only contacts whose trait `key` equals `value`" }),
    event: z
      .object({
        name: z
          .string()
          .trim()
          .min(1, "Name the event (1 to 200 characters)")
          .max(200, "Name the event (1 to 200 characters)"),
        withinDays: z
          .number({ error: "Days: a whole number from 1 to 365" })
          .int("Days: a whole number from 1 to 365")
          .min(1, "Days: a whole number from 1 to 365")
          .max(365, "Days: a whole number from 1 to 365"),
      })
      .optional()
      .openapi({ description: "Only contacts who did `name` in the last `withinDays` days" }),
  })
  .openapi("NpsSegment");
export type Segment = z.infer<typeof SegmentSchema>;

export const InviteBody = z
  .object({
    contactIds: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
    segment: SegmentSchema.optional().openapi({
      description: "Instead of contactIds: contacts with marketing consent, optionally narrowed",
    }),
  })
  .refine((b) => !b.contactIds !== !b.segment, {
    message: "Send to contactIds or to a segment (one of them)",
    path: ["segment"],
  })
  .openapi("NpsInvite");
export const InviteResultSchema = z
  .object({
    invited: z.array(z.string()),
    skipped: z.array(z.object({ contactId: z.string(), reason: z.enum(SKIP_REASONS) })),
    remaining: z.number().int().optional().openapi({
      description: "Segment sends only: contacts of the segment still to invite (send again to continue)",
    }),
  })
  .openapi("NpsInviteResult");

export const AudienceSchema = z
  .object({
    recipients: z.number().int().openapi({ description: "Contacts the survey would be emailed to now" }),
    atWeeklyCap: z.number().int().openapi({
      description: "Of them, those at the weekly marketing cap: their email waits until the cap frees",
    }),
  })
  .openapi("NpsAudience");

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
