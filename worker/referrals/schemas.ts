import { ATTRIBUTION_MODELS, LINK_KINDS, REWARD_SIDES, REWARD_STATES } from "../../db/schema/referrals.ts";
import { PageQuery, patchOf, z } from "../lib/openapi.ts";
import { CODE_PATTERN } from "./codes.ts";

const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD")
  .openapi({ example: "USD" });

export const RewardSpecSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("credit"),
      amount: z.number().int().min(1).max(100_000_000).openapi({ description: "Minor units (cents)" }),
      currency: Currency,
    }),
    z.object({ kind: z.literal("discount"), percent: z.number().int().min(1).max(100) }),
    z.object({ kind: z.literal("feature"), feature: z.string().min(1).max(100) }),
  ])
  .openapi("RewardSpec");

const Tier = z.object({
  minQualified: z.number().int().min(1).max(100_000),
  label: z.string().max(100).optional(),
  reward: RewardSpecSchema,
});

export const RewardPolicySchema = z
  .object({
    referrer: z.object({
      tiers: z
        .array(Tier)
        .min(1)
        .max(10)
        .refine((tiers) => tiers.every((t, i) => i === 0 || t.minQualified > tiers[i - 1].minQualified), {
          message: "tiers must be sorted by minQualified, strictly increasing",
        }),
    }),
    referee: RewardSpecSchema.nullable().default(null),
    monthlyCap: z.number().int().min(1).max(10_000).nullable().default(null).openapi({
      description: "Referrer rewards per referrer per calendar month (UTC); null for no cap",
    }),
    holdDays: z.number().int().min(0).max(365).default(30),
    velocity: z
      .object({
        perReferrerPerDay: z.number().int().min(1).max(10_000).default(20),
        perVisitorPerDay: z.number().int().min(1).max(10_000).default(3),
      })
      .default({ perReferrerPerDay: 20, perVisitorPerDay: 3 }),
  })
  .openapi("RewardPolicy");

const EventName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, "lowercase letters, digits, `_`, `.` and `-`");

export const QualifyingEventSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("event"), event: EventName }),
    z.object({ type: z.literal("active_after_days"), days: z.number().int().min(1).max(365) }),
  ])
  .openapi("QualifyingEvent", {
    description:
      "`event`: the referral counts when the customer reports this event (e.g. `signup`, `first_payment`). " +
      "`active_after_days`: when the customer reports any event at least `days` after signing up.",
  });

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lowercase DNS host name");

const HttpsUrl = z.string().min(1).max(2000);

export const ProgramBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    allowedHosts: z.array(Host).min(1).max(20),
    defaultDestination: HttpsUrl.openapi({ example: "https://app.example.com/signup" }),
    windowDays: z.number().int().min(1).max(365).default(90),
    attributionModel: z.enum(ATTRIBUTION_MODELS).default("last_click"),
    rewardPolicy: RewardPolicySchema,
    qualifyingEvent: QualifyingEventSchema.default({ type: "event", event: "signup" }),
  })
  .openapi("ProgramInput");

export const ProgramPatch = patchOf(ProgramBody)
  .extend({ state: z.enum(["active", "archived"]).optional() })
  .openapi("ProgramPatch");

export const ProgramSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    allowedHosts: z.array(z.string()),
    defaultDestination: z.string(),
    windowDays: z.number(),
    attributionModel: z.enum(ATTRIBUTION_MODELS),
    rewardPolicy: RewardPolicySchema,
    qualifyingEvent: QualifyingEventSchema,
    state: z.enum(["active", "archived"]),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("Program");

export const IdParams = z.object({ id: z.string().min(1).max(64) });

export const Customer = z.object({
  id: z.string().min(1).max(200).openapi({ description: "The host app's user id" }),
  email: z.email().max(320).optional(),
  name: z.string().max(200).optional(),
});

export const EnrollBody = z.object({ customer: Customer }).openapi("EnrollInput");

const Utm = z
  .object({
    utm_source: z.string().min(1).max(100).optional(),
    utm_medium: z.string().min(1).max(100).optional(),
    utm_campaign: z.string().min(1).max(100).optional(),
    utm_content: z.string().min(1).max(100).optional(),
    utm_term: z.string().min(1).max(100).optional(),
  })
  .strict();

export const CodeSchema = z
  .string()
  .regex(CODE_PATTERN, "3-40 letters, digits or `-`")
  .transform((s) => s.toUpperCase());

export const CampaignLinkBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    code: CodeSchema.optional().openapi({ description: "A custom code; generated when omitted" }),
    destination: HttpsUrl.openapi({
      description: "An https URL on one of the program's allowed hosts, or a path on the default destination's host",
      example: "/pricing",
    }),
    utm: Utm.default({}),
  })
  .openapi("CampaignLinkInput");

export const LinkPatch = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    destination: HttpsUrl.optional(),
    utm: Utm.optional(),
    disabled: z.boolean().optional(),
  })
  .openapi("LinkPatch");

export const LinkSchema = z
  .object({
    id: z.string(),
    programId: z.string(),
    kind: z.enum(LINK_KINDS),
    code: z.string(),
    url: z.string().openapi({ description: "The shareable link" }),
    referrerId: z.string().nullable(),
    name: z.string().nullable(),
    destination: z.string().nullable(),
    destinationAllowed: z.boolean().openapi({
      description:
        "Whether the destination (a referral link's is the program's default) is still on the program's allowed hosts",
    }),
    redirectsTo: z.string().nullable().openapi({
      description:
        "Where the link sends people now: its destination, the program's default when its own is no longer allowed, or null (404: disabled, archived, or nowhere allowed)",
    }),
    utm: z.record(z.string(), z.string()),
    disabledAt: z.number().nullable(),
    createdAt: z.number(),
  })
  .openapi("Link");

export const ReferrerSchema = z
  .object({
    id: z.string(),
    programId: z.string(),
    contactId: z.string(),
    externalId: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    code: z.string(),
    url: z.string(),
    createdAt: z.number(),
  })
  .openapi("Referrer");

export const ReferrerRowSchema = ReferrerSchema.extend({
  clicks: z.number(),
  signups: z.number(),
  qualified: z.number(),
}).openapi("ReferrerWithCounts");

export const ProgramQuery = PageQuery.extend({ state: z.enum(["active", "archived"]).optional() });
export const LinkQuery = PageQuery.extend({
  programId: z.string().max(64).optional(),
  kind: z.enum(LINK_KINDS).optional(),
});
export const ReferrerQuery = PageQuery.extend({
  sort: z.enum(["recent", "top"]).default("recent").openapi({
    description: "`top`: by qualified referrals (first page only, no cursor)",
  }),
});

export const ConversionBody = z
  .object({
    event: EventName.openapi({ example: "signup" }),
    customer: Customer,
    clickId: z.string().min(1).max(100).optional(),
    code: CodeSchema.optional(),
    programId: z.string().max(64).optional().openapi({
      description: "For events after sign-up without a click or code: the program whose attribution they count for",
    }),
    amount: z.number().int().min(0).max(1_000_000_000).optional().openapi({ description: "Minor units" }),
    currency: Currency.optional(),
    occurredAt: z.iso.datetime({ offset: true }).openapi({ example: "2026-11-23T12:00:00Z" }),
  })
  .openapi("ConversionInput");

export const IdempotencyHeaders = z.object({ "idempotency-key": z.string().min(1).max(200) });

export const ConversionResultSchema = z
  .object({
    conversions: z.array(
      z.object({
        id: z.string(),
        programId: z.string().nullable(),
        attributionId: z.string().nullable(),
        referrerId: z.string().nullable(),
        attributed: z.boolean(),
        reason: z.string().nullable().openapi({ description: "Why it was not attributed, when it was not" }),
        qualified: z.boolean(),
        rewards: z.array(z.object({ id: z.string(), side: z.enum(REWARD_SIDES), state: z.enum(REWARD_STATES) })),
      }),
    ),
  })
  .openapi("ConversionResult");

export const ConversionQuery = PageQuery.extend({ programId: z.string().max(64).optional() });
export const ConversionSchema = z
  .object({
    id: z.string(),
    programId: z.string().nullable(),
    attributionId: z.string().nullable(),
    customerId: z.string(),
    event: z.string(),
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    occurredAt: z.number(),
    createdAt: z.number(),
  })
  .openapi("Conversion");

export const RewardQuery = PageQuery.extend({
  programId: z.string().max(64).optional(),
  state: z.enum(REWARD_STATES).optional(),
  referrerId: z.string().max(64).optional(),
  flagged: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
});

export const RewardSchema = z
  .object({
    id: z.string(),
    programId: z.string(),
    attributionId: z.string(),
    referrerId: z.string(),
    contactId: z.string(),
    side: z.enum(REWARD_SIDES),
    tier: z.number().nullable(),
    reward: RewardSpecSchema,
    state: z.enum(REWARD_STATES),
    flags: z.array(z.string()),
    holdReason: z.string().nullable(),
    clearsAt: z.number().nullable(),
    reversedReason: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("Reward");

export const RewardWithHistorySchema = RewardSchema.extend({
  history: z.array(
    z.object({
      fromState: z.string().nullable(),
      toState: z.string(),
      reason: z.string().nullable(),
      actor: z.string(),
      at: z.number(),
    }),
  ),
});

/** A person as the host app named them. */
const Person = z.object({ externalId: z.string(), email: z.string().nullable(), name: z.string().nullable() });

export const RewardRowSchema = RewardSchema.extend({
  recipient: Person.openapi({ description: "Who receives the reward" }),
  referrer: Person.extend({ code: z.string().nullable() }).openapi({ description: "Who referred" }),
  referee: Person.openapi({ description: "The referred customer" }),
}).openapi("RewardWithPeople");

export const EvidenceSchema = z
  .object({
    rule: z.string().openapi({ example: "velocity_referrer" }),
    title: z.string().openapi({ example: "Velocity: referrer" }),
    detail: z.string().openapi({ description: "What the rule saw, in a sentence" }),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  })
  .openapi("FraudEvidence");

export const ReviewItemSchema = RewardRowSchema.extend({
  signedUpAt: z.number().nullable(),
  evidence: z.array(EvidenceSchema),
}).openapi("ReviewItem");

export const ReviewQuery = PageQuery.extend({ programId: z.string().max(64).optional() });

export const PayBody = z
  .object({
    ids: z
      .array(z.string().min(1).max(64))
      .min(1, "choose at least one reward")
      .max(100, "at most 100 rewards at a time"),
    note: z.string().max(500).optional(),
  })
  .openapi("PayInput");

export const PayResultSchema = z
  .object({
    paid: z.number().openapi({ description: "How many rewards this request marked paid" }),
    results: z.array(
      z.object({
        id: z.string(),
        paid: z.boolean(),
        state: z
          .enum(REWARD_STATES)
          .nullable()
          .openapi({ description: "The state after the request; null: no such reward" }),
        detail: z.string().nullable().openapi({ description: "Why it was not marked paid" }),
      }),
    ),
  })
  .openapi("PayResult");

export const PayoutQuery = z.object({
  programId: z.string().max(64).optional(),
  state: z.enum(["approved", "paid"]).default("approved"),
});

export const ReverseBody = z
  .object({ reason: z.enum(["refund", "fraud", "cancellation", "other"]), note: z.string().max(500).optional() })
  .openapi("ReverseInput");
export const ReviewBody = z.object({ note: z.string().max(500).optional() }).openapi("ReviewInput");

export const StatsQuery = z.object({
  from: z.iso.date().optional().openapi({ description: "First day (UTC), default 30 days ago" }),
  to: z.iso.date().optional().openapi({ description: "Last day (UTC, inclusive), default today" }),
});

const Funnel = z.object({
  clicks: z.number(),
  uniqueClicks: z.number(),
  signups: z.number(),
  qualified: z.number(),
  rewarded: z.number(),
  conversionRate: z.number().nullable(),
});

export const StatsSchema = z
  .object({
    programId: z.string(),
    from: z.string(),
    to: z.string(),
    totals: Funnel,
    byDay: z.array(Funnel.extend({ day: z.string() })),
    bySource: z.array(Funnel.extend({ source: z.string() })),
  })
  .openapi("ProgramStats");

export const AttributionSchema = z
  .object({
    clickId: z.string().nullable(),
    programId: z.string().nullable(),
    all: z.array(z.object({ programId: z.string(), clickId: z.string() })),
  })
  .openapi("Attribution");

// Queue messages.

const opt = (max: number) => z.string().max(max).nullable();

const ContactId = z.string().min(1).max(64).nullable();

/** A click's fields and their bounds, once for both message forms. */
const Field = {
  id: z.string().min(1).max(100),
  linkId: z.string().min(1).max(64),
  programId: z.string().min(1).max(64),
  referrerId: opt(64),
  at: z.number().int(),
  country: opt(8),
  city: opt(100),
  device: z.string().max(16),
  referrerHost: opt(253),
  utmSource: opt(100),
  utmMedium: opt(100),
  utmCampaign: opt(100),
  visitorHash: z.string().min(1).max(64),
};

/**
 * One click as the redirect saw it, as a tuple in the order of the columns the store writes (store/clicks.ts): a queue message of
 * hundreds of clicks is about half the size of the same clicks as named objects, and D1 reads
 * each field by position.
 */
export const ClickTuple = z.tuple([
  Field.id,
  Field.linkId,
  Field.programId,
  Field.referrerId,
  Field.at,
  Field.country,
  Field.city,
  Field.device,
  Field.referrerHost,
  Field.utmSource,
  Field.utmMedium,
  Field.utmCampaign,
  Field.visitorHash,
  z.union([z.literal(0), z.literal(1)]), // by the referrer themself
  // The signed-in visitor's contact, verified off the response path; absent for anonymous clicks
  // (and in clicks queued before it existed).
  ContactId.optional(),
]);
export type ClickTuple = z.infer<typeof ClickTuple>;

const NamedClickSchema = z.object({
  ...Field,
  byReferrer: z.boolean().default(false),
  contactId: ContactId.optional(),
});

/** A click with its fields named, as the redirect builds it (before its visitor is hashed). */
export type NamedClick = Omit<z.infer<typeof NamedClickSchema>, "visitorHash">;

export const toTuple = (c: NamedClick, visitorHash: string): ClickTuple => {
  const tuple: ClickTuple = [
    c.id,
    c.linkId,
    c.programId,
    c.referrerId,
    c.at,
    c.country,
    c.city,
    c.device,
    c.referrerHost,
    c.utmSource,
    c.utmMedium,
    c.utmCampaign,
    visitorHash,
    c.byReferrer ? 1 : 0,
  ];
  if (c.contactId) tuple.push(c.contactId);
  return tuple;
};

/** The queue message (kind `referrals.clicks`): the clicks of one isolate's short window. */
export const ClicksMessage = z.object({
  kind: z.literal("referrals.clicks"),
  clicks: z.array(ClickTuple).min(1).max(1000),
});

/**
 * The named-object form earlier versions sent (kind `referrals.click`): still accepted, so
 * clicks queued before a deploy are written after it.
 */
export const LegacyClicksMessage = z.object({
  kind: z.literal("referrals.click"),
  clicks: z
    .array(NamedClickSchema)
    .min(1)
    .max(100)
    .transform((clicks) => clicks.map((c) => toTuple(c, c.visitorHash))),
});

/** Held rewards whose hold may have passed (kind `referrals.clear-holds`). */
export const ClearHoldsMessage = z.object({
  kind: z.literal("referrals.clear-holds"),
  rewardIds: z.array(z.string().max(64)).max(100),
});

/** Referrals of "active after N days" programs to qualify (kind `referrals.qualify`). */
export const QualifyMessage = z.object({
  kind: z.literal("referrals.qualify"),
  attributionIds: z.array(z.string().max(64)).max(100),
});
