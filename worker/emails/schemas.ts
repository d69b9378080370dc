// zod schemas of every request and answer of emails, with the inferred types.
import { z } from "@hono/zod-openapi";
import { CONSENT_TOPICS, EMAIL_TOPICS, MESSAGE_STATES, WEBHOOK_PROVIDERS } from "../../db/schema/index.ts";
import { PageQuery, patchOf } from "../lib/openapi.ts";

const MAX_JSON = 32 * 1024;
/** SQLite's JSON functions refuse JSON nested over 1000 deep; traits and properties stay far below. */
const MAX_DEPTH = 32;

/** How deep `v` nests, counted without recursion (a hostile value may nest deeper than the stack). */
function depthOf(v: unknown): number {
  let max = 0;
  const todo: Array<[unknown, number]> = [[v, 0]];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [x, d] = next;
    if (x === null || typeof x !== "object") continue;
    max = Math.max(max, d + 1);
    for (const y of Object.values(x)) todo.push([y, d + 1]);
  }
  return max;
}

const jsonObject = (what: string) =>
  z
    .record(z.string().max(200), z.unknown())
    .refine((v) => depthOf(v) <= MAX_DEPTH, `${what} may nest at most ${MAX_DEPTH} deep`)
    .refine((v) => JSON.stringify(v).length <= MAX_JSON, `${what} must serialise to at most 32 KiB`);

const isoTime = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)) && Date.parse(s) > Date.UTC(2000, 0, 1), "an ISO 8601 time after 2000");

const id = z.union([z.string().min(1).max(200), z.number().int().transform(String)]);
/** analytics.js sends `userId: null` until identify. */
const optionalId = id.nullish().transform((v) => v ?? undefined);

export const SegmentContext = z
  .looseObject({
    traits: jsonObject("context.traits").optional(),
    timezone: z.string().max(64).optional(),
    consent: z
      .looseObject({
        categoryPreferences: z.record(z.string().max(64), z.boolean()).optional(),
      })
      .optional(),
  })
  .openapi({ description: "Segment context; `timezone`, `traits` and `consent.categoryPreferences` are read" });

const writeKey = z
  .string()
  .max(200)
  .optional()
  .openapi({ description: "The write key in the body, as analytics.js sends it (instead of Basic auth)" });

const common = {
  messageId: z.string().min(1).max(200).optional().openapi({ description: "Makes the call idempotent" }),
  userId: optionalId.openapi({ description: "The host app's user id (the contact's external id)" }),
  anonymousId: optionalId.openapi({
    description: "A visitor not yet known; with `userId` in the same call, the visitor is merged into the user",
  }),
  timestamp: isoTime.optional().openapi({ description: "When it happened; past times backfill" }),
  originalTimestamp: isoTime.optional(),
  sentAt: isoTime
    .optional()
    .openapi({ description: "When the sender sent it, by its clock: corrects the clock skew of `timestamp`" }),
  context: SegmentContext.optional(),
  integrations: z.record(z.string().max(200), z.unknown()).optional(),
  writeKey,
};
type Named = { userId?: string; anonymousId?: string };
const named = (o: Named) => Boolean(o.userId ?? o.anonymousId);
const NAMED = { message: "userId or anonymousId is required", path: ["userId"] };
const USER = { message: "userId is required", path: ["userId"] };

/** One call type: as its own endpoint's body (`type` optional) and as a batch item (`type` required). */
function callSchemas<T extends string, S extends z.ZodRawShape>(type: T, shape: S, userOnly = false) {
  const check = (o: unknown) => (userOnly ? Boolean((o as Named).userId) : named(o as Named));
  const why = userOnly ? USER : NAMED;
  return {
    body: z.object({ ...common, ...shape, type: z.literal(type).optional() }).refine(check, why),
    item: z.object({ ...common, ...shape, type: z.literal(type) }).refine(check, why),
  };
}

const viewShape = {
  name: z.string().max(200).nullish(),
  category: z.string().max(200).nullish(),
  properties: jsonObject("properties").optional(),
};
const track = callSchemas("track", {
  event: z.string().trim().min(1).max(200),
  properties: jsonObject("properties").optional(),
});
const identify = callSchemas("identify", { traits: jsonObject("traits").optional() });
const page = callSchemas("page", viewShape);
const screen = callSchemas("screen", viewShape);
const group = callSchemas("group", {
  groupId: id.openapi({ description: "The account's id in the host app" }),
  traits: jsonObject("traits").optional().openapi({ description: "The account's traits (merged into what is known)" }),
});
const alias = callSchemas(
  "alias",
  { previousId: id.openapi({ description: "The anonymousId the person had before" }) },
  true,
);

export const TrackCall = track.body.openapi("TrackCall");
export const IdentifyCall = identify.body.openapi("IdentifyCall");
export const PageCall = page.body.openapi("PageCall");
export const ScreenCall = screen.body.openapi("ScreenCall");
export const GroupCall = group.body.openapi("GroupCall");
export const AliasCall = alias.body.openapi("AliasCall");

export const AnyCall = z.discriminatedUnion("type", [
  track.item,
  identify.item,
  page.item,
  screen.item,
  group.item,
  alias.item,
]);
export type AnyCallT = z.infer<typeof AnyCall>;

export const BatchBody = z
  .object({
    batch: z.array(AnyCall).min(1).max(500),
    context: SegmentContext.optional(),
    sentAt: isoTime.optional().openapi({ description: "When the batch was sent, for calls without their own" }),
    writeKey,
  })
  .openapi("BatchBody");

export const IngestResult = z
  .object({
    success: z.literal(true),
    accepted: z.number().int().openapi({ description: "New events, identifies, groups and aliases written" }),
    duplicates: z.number().int().openapi({ description: "Events whose messageId was already seen" }),
    ignored: z.number().int().openapi({
      description: "Aliases that merge nothing: previousId equals userId, or names a user already known",
    }),
  })
  .openapi("IngestResult");

/** What analytics.js's own telemetry gets back: nothing is kept. */
export const TelemetryAnswer = z.object({ success: z.literal(true) });

export const ConsentBody = z
  .object(Object.fromEntries(CONSENT_TOPICS.map((t) => [t, z.boolean().nullable().optional()])))
  .openapi("Consent");

export const TopicEnum = z.enum(EMAIL_TOPICS, { error: `Choose a topic: ${EMAIL_TOPICS.join(", ")}` });

// ---- templates and triggers -------------------------------------------------------------

// Messages the console shows next to a field, in words (zod's defaults name types, not intent).
const said = (error: string) => ({ error });
const name = z.string(said("Give it a name (1 to 200 characters)")).trim().min(1).max(200);
const eventName = z.string(said("Name the event (1 to 200 characters), e.g. signed_up")).trim().min(1).max(200);
const traitKey = z
  .string(said("Name the trait: letters, digits, _ and - only, at most 64"))
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "Name the trait: letters, digits, _ and - only, at most 64")
  .openapi({ example: "plan" });
const traitValue = z.union(
  [z.string().max(200), z.number(), z.boolean()],
  said("Give a value: text, a number, true or false"),
);
/** A number from `min` to `max`, refused in words. */
const between = (min: number, max: number, what: string, int = false) => {
  const n = z.number(said(`${what}: ${int ? "a whole number" : "a number"} from ${min} to ${max}`));
  return (int ? n.int() : n).min(min).max(max);
};

export const TemplateBody = z
  .object({
    name,
    subject: z.string(said("Write a subject (1 to 998 characters)")).min(1).max(998),
    html: z.string(said("The HTML body: at most 200,000 characters")).max(200_000),
    text: z.string(said("The text body: at most 100,000 characters")).max(100_000),
  })
  .openapi("TemplateInput");
export const TemplatePatch = patchOf(TemplateBody).openapi("TemplatePatch");
export const Template = TemplateBody.extend({
  id: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
}).openapi("Template");

export const Entry = z
  .discriminatedUnion(
    "kind",
    [
      z.object({
        kind: z.literal("event"),
        event: eventName,
        lookbackHours: between(1, 720, "Look back", true).default(72),
      }),
      z.object({
        kind: z.literal("first_event"),
        event: eventName,
        lookbackHours: between(1, 720, "Look back", true).default(72),
      }),
      z.object({
        kind: z.literal("count_reached"),
        event: eventName,
        count: between(1, 1_000_000, "Count", true),
      }),
      z.object({
        kind: z.literal("absence"),
        event: eventName.optional().openapi({ description: "Omit for any activity at all" }),
        days: between(0.01, 365, "Days without the event"),
      }),
      z.object({
        kind: z.literal("trait_threshold"),
        trait: traitKey,
        op: z.enum(["gte", "lte", "eq"], said("Choose at least, at most or equal to")),
        value: traitValue,
      }),
      z.object({
        kind: z.literal("churn_risk"),
        minInactiveDays: between(0.5, 90, "Inactive days").default(3),
      }),
    ],
    said("Choose when the trigger starts: event, first_event, count_reached, absence, trait_threshold or churn_risk"),
  )
  .openapi("TriggerEntry", {
    description:
      "event: each occurrence (confidence 1). first_event: the first occurrence (1). count_reached: the Nth occurrence (1). absence: no event for N days (confidence = absence habit score). trait_threshold (1). churn_risk: evaluated when a contact has been inactive minInactiveDays; confidence = churn risk.",
  });

export const Filter = z
  .object({
    trait: traitKey,
    op: z.enum(["eq", "neq", "gt", "gte", "lt", "lte", "in", "exists", "not_exists"]),
    value: z.union([traitValue, z.array(traitValue).max(50)]).optional(),
    of: z.enum(["contact", "account"]).optional().openapi({
      description:
        "Whose trait: the contact's (default), or an account's it belongs to (Segment `group`): true when one of its accounts matches; `neq` and `not_exists` when none does",
    }),
  })
  .refine((f) => f.op === "exists" || f.op === "not_exists" || f.value !== undefined, {
    message: "value is required for this op",
    path: ["value"],
  })
  .refine((f) => (f.op === "in") === Array.isArray(f.value) || f.op === "exists" || f.op === "not_exists", {
    message: "`in` takes a list; other ops take one value",
    path: ["value"],
  });

export const Delay = z
  .discriminatedUnion(
    "kind",
    [
      z.object({ kind: z.literal("none") }),
      z.object({
        kind: z.literal("hours"),
        hours: between(0, 24 * 90, "Hours after entry"),
      }),
      z.object({
        kind: z.literal("local_time"),
        hour: between(0, 23, "Hour of the day", true),
        minute: between(0, 59, "Minute", true).default(0),
        afterHours: between(0, 24 * 30, "Hours after entry").default(0),
      }),
    ],
    said("Choose when to send: none, hours or local_time"),
  )
  .openapi("TriggerDelay", { description: "hours after entry, or the next HH:MM in the contact's timezone" });

export const TriggerRule = z.object({
  entry: Entry,
  filters: z.array(Filter).max(10).default([]),
  delay: Delay.default({ kind: "none" }),
  exit: z
    .object({ event: eventName })
    .optional()
    .openapi({ description: "If the contact does this after entering, the send is skipped" }),
  conversion: z
    .object({ event: eventName, withinDays: between(0.1, 90, "Days to convert").default(7) })
    .optional()
    .openapi({ description: "Counted as converted when this happens within the window after the send" }),
});
export type TriggerRuleT = z.infer<typeof TriggerRule>;

const templateId = z.string(said("Choose a template")).min(1).max(64);
const confidence = between(0, 1, "Minimum confidence");

export const TriggerBody = TriggerRule.extend({
  name,
  enabled: z.boolean().default(true),
  templateId,
  topic: TopicEnum.default("marketing"),
  minConfidence: confidence.default(0.7),
}).openapi("TriggerInput");
export const TriggerPatch = z
  .object({
    name: name.optional(),
    enabled: z.boolean().optional(),
    templateId: templateId.optional(),
    topic: TopicEnum.optional(),
    minConfidence: confidence.optional(),
    entry: Entry.optional(),
    filters: z.array(Filter).max(10).optional(),
    delay: Delay.optional(),
    exit: z.object({ event: eventName }).nullable().optional(),
    conversion: z
      .object({ event: eventName, withinDays: between(0.1, 90, "Days to convert").default(7) })
      .nullable()
      .optional(),
  })
  .openapi("TriggerPatch");

export const TriggerMetrics = z
  .object({
    entered: z.number().int(),
    skipped: z.object({
      belowConfidence: z.number().int(),
      noConsent: z.number().int(),
      capped: z.number().int().openapi({ description: "Deferred by the weekly cap at least once (not dropped)" }),
      other: z.number().int(),
    }),
    pending: z.number().int(),
    sent: z.number().int(),
    opened: z.number().int(),
    clicked: z.number().int(),
    unsubscribed: z.number().int(),
    converted: z.number().int(),
  })
  .openapi("TriggerMetrics");

export const Trigger = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    templateId: z.string(),
    topic: TopicEnum,
    minConfidence: z.number(),
    rule: TriggerRule,
    watermark: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    metrics: TriggerMetrics.optional(),
  })
  .openapi("Trigger");

export const ProviderSecretBody = z
  .object({ provider: z.enum(WEBHOOK_PROVIDERS), name: z.string().trim().min(1).max(100) })
  .openapi("CreateProviderSecret");
export const ProviderSecret = z
  .object({
    id: z.string(),
    provider: z.enum(WEBHOOK_PROVIDERS),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi("ProviderSecret");
export const CreatedProviderSecret = ProviderSecret.extend({
  secret: z.string().openapi({ description: "The secret. Shown once: only its SHA-256 is stored." }),
  webhookUrl: z.string().openapi({
    description: "The URL to paste into the provider, the secret as its HTTP Basic password. Shown once.",
  }),
}).openapi("CreatedProviderSecret");

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const PreviewBody = z
  .object({
    contactId: z.string().min(1).max(64).optional().openapi({ description: "Render for this contact; else a sample" }),
    event: z.object({ name: z.string().max(200), properties: jsonObject("event.properties").optional() }).optional(),
  })
  .openapi("PreviewInput");
export type PreviewBodyT = z.infer<typeof PreviewBody>;
export const DraftPreviewBody = PreviewBody.extend({
  template: TemplateBody.omit({ name: true }).openapi({ description: "The subject and bodies, saved or not" }),
}).openapi("DraftPreviewInput");
export const TemplateVariables = z
  .object({
    data: z.array(
      z.object({
        name: z
          .string()
          .openapi({ description: "As written in a template; `*` stands for any name", example: "traits.*" }),
        description: z.string(),
        example: z.string(),
      }),
    ),
  })
  .openapi("TemplateVariables");
export const Rendered = z.object({ subject: z.string(), html: z.string(), text: z.string() }).openapi("RenderedEmail");
export const TestSendBody = z
  .object({ to: z.email().max(320), contactId: z.string().min(1).max(64).optional() })
  .openapi("TestSendInput");
export const TestSendAnswer = z.object({ idempotencyKey: z.string() });
export const MatchCountBody = z.object({ entry: Entry, filters: z.array(Filter).max(10).default([]) });
export const MatchCountAnswer = z.object({ matching: z.number().int() });
export const EvaluationQueued = z.object({ queued: z.literal(true) });
export const Deleted = z.object({ deleted: z.literal(true) });

// ---- contacts and the outbox, as the admin API answers ---------------------------------

const ms = z.number().int();
const MessageState = z.enum(MESSAGE_STATES).openapi({
  description:
    "`unknown`: an SMTP or send_email attempt whose outcome cannot be learnt (the Worker stopped, or the connection broke, after the message may have been accepted); not sent again unless EMAIL_DELIVERY_GUARANTEE is at-least-once",
});

export const ContactSchema = z
  .object({
    id: z.string(),
    externalId: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    timezone: z.string().nullable(),
    traits: z.record(z.string(), z.unknown()),
    firstSeenAt: ms,
    lastSeenAt: ms,
  })
  .openapi("Contact");

export const ContactDetailSchema = z
  .object({
    contact: ContactSchema,
    consent: z.object({ marketing: z.boolean(), product_updates: z.boolean(), status_notifications: z.boolean() }),
    unsubscribedAt: ms.nullable(),
    suppressed: z.string().nullable(),
    firstEventAt: ms.nullable(),
    lastEventAt: ms.nullable(),
    eventCount: z.number().int(),
    churnRisk: z.number(),
    events: z.array(z.object({ event: z.string(), count: z.number().int(), firstAt: ms, lastAt: ms })),
  })
  .openapi("ContactDetail");

export const TimelineItemSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("event"),
      at: ms,
      id: z.string(),
      event: z.string(),
      properties: z.record(z.string(), z.unknown()),
    }),
    z.object({
      kind: z.literal("message"),
      at: ms,
      id: z.string(),
      subject: z.string().nullable(),
      state: z.string(),
      topic: z.string(),
      triggerId: z.string().nullable(),
    }),
    z
      .object({
        kind: z.literal("activity"),
        at: ms.openapi({ description: "Midnight (UTC) of the day" }),
        day: z.string().openapi({ description: "YYYY-MM-DD (UTC)" }),
        events: z.number().int(),
      })
      .openapi({ description: "A day past the events window: how many events the contact sent that day" }),
  ])
  .openapi("ContactTimelineItem");

export const OutboxMessageSchema = z
  .object({
    id: z.string(),
    contactId: z.string().nullable(),
    triggerId: z.string().nullable(),
    topic: TopicEnum,
    toAddress: z.string().nullable(),
    subject: z.string().nullable(),
    state: MessageState,
    skipReason: z.string().nullable(),
    deferReason: z.string().nullable(),
    confidence: z.number().nullable(),
    attempts: z.number().int(),
    sendAfter: ms,
    provider: z.string().nullable(),
    lastError: z.string().nullable(),
    maybeDuplicate: z.boolean().openapi({
      description:
        "Sent again after an attempt of unknown outcome (EMAIL_DELIVERY_GUARANTEE=at-least-once): the recipient may have it twice",
    }),
    createdAt: ms,
    sentAt: ms.nullable(),
    openedAt: ms.nullable(),
    clickedAt: ms.nullable(),
  })
  .openapi("OutboxMessage");

export const OutboxMessageDetailSchema = OutboxMessageSchema.extend({
  idempotencyKey: z.string(),
  templateId: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  headers: z.record(z.string(), z.string()).nullable(),
  context: z.record(z.string(), z.unknown()).nullable(),
  wasCapped: z.boolean(),
  providerMessageId: z.string().nullable(),
  updatedAt: ms,
  claimedAt: ms.nullable(),
  opens: z.number().int(),
  clicks: z.number().int(),
  unsubscribedAt: ms.nullable(),
  convertedAt: ms.nullable(),
}).openapi("OutboxMessageDetail");

export const ContactSearchQuery = PageQuery.extend({ q: z.string().max(320).optional() });
export const ContactPage = z.object({ data: z.array(ContactSchema), nextCursor: z.string().nullable() });
export const TimelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().optional().openapi({ description: "The `nextBefore` of the previous page" }),
});
export const TimelinePage = z.object({ data: z.array(TimelineItemSchema), nextBefore: z.number().nullable() });
/** Everything held about a contact (GDPR export): shapes of several tables, documented as an object. */
export const ContactExport = z.record(z.string(), z.unknown());
/** The queue message that rewrites the archive without an erased contact's rows (days YYYY-MM-DD). */
export const ScrubArchiveMessage = z.object({
  kind: z.literal("emails.scrub-archive"),
  needles: z.array(z.string().min(1).max(400)).min(1).max(100),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  cursor: z.object({ table: z.string().max(100).nullable(), after: z.string().max(1000).nullable() }),
});

export const Erased = z.object({
  erased: z.literal(true),
  contactRowDeleted: z.boolean(),
  suppressedAddresses: z.number().int(),
});

/** The outbox's keyset cursor: a row's creation time and id (`outboxCursor`). */
export const OUTBOX_CURSOR = /^(\d{1,16})\.([\w-]{1,80})$/;
export const MessagesQuery = PageQuery.extend({
  cursor: z
    .string()
    .regex(OUTBOX_CURSOR, "the `nextCursor` of the previous page")
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page" }),
  state: z.enum(MESSAGE_STATES).optional(),
  triggerId: z.string().max(64).optional(),
  contactId: z.string().max(64).optional(),
});
export const MessagesPage = z.object({
  data: z.array(OutboxMessageSchema),
  nextCursor: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
});

// ---- providers' webhooks and the public links in emails ------------------------------------

const Email = z.string().max(320);
export const Suppressed = z.object({ suppressed: z.number().int() });
export const ProviderSecretList = z.object({ data: z.array(ProviderSecret) });

/** Postmark bounce and spam-complaint webhooks (https://postmarkapp.com/developer/webhooks). */
export const PostmarkEvent = z.looseObject({
  RecordType: z.string().max(50),
  Type: z.string().max(50).optional(),
  Email: Email.optional(),
  Recipient: Email.optional(),
  Inactive: z.boolean().optional(),
});
export type PostmarkEventT = z.infer<typeof PostmarkEvent>;

/** Resend's webhook body is read raw: its signature covers the exact bytes, checked before parsing. */
export const ResendBody = z.unknown();

/** Resend webhooks (https://resend.com/docs/dashboard/webhooks/event-types). */
export const ResendEvent = z.looseObject({
  type: z.string().max(50),
  data: z.looseObject({
    to: z.array(Email).max(50).optional(),
    bounce: z.looseObject({ type: z.string().max(50).optional() }).optional(),
  }),
});
export type ResendEventT = z.infer<typeof ResendEvent>;

/** A signed link's message or contact id and its signature. */
export const SignedParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "id", in: "path" } }),
  sig: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "sig", in: "path" } }),
});

/** The preference page's form: checked topics are kept; `all=off` leaves every email. */
export const PreferencesForm = z.object({
  marketing: z.literal("on").optional(),
  product_updates: z.literal("on").optional(),
  status_notifications: z.literal("on").optional(),
  all: z.literal("off").optional(),
});

/** What the public links answer: an HTML page, or the open pixel. */
export const HtmlPage = z.string();
export const GifImage = z.string();

const PausingIncidentSchema = z.object({
  incidentId: z.string(),
  incidentName: z.string(),
  pageId: z.string(),
  pageName: z.string(),
  pausedAt: z.number().int().openapi({ description: "When this incident paused marketing" }),
});

export const MarketingPauseSchema = z
  .object({
    paused: z.boolean(),
    id: z.string().nullable().openapi({ description: "The pause: the id of the incident that began it" }),
    since: z.number().int().nullable(),
    incidents: z
      .array(PausingIncidentSchema)
      .openapi({ description: "The open incidents holding the pause, oldest first" }),
    lastResumed: z
      .object({
        id: z.string(),
        resumedAt: z.number().int(),
        resumedBy: z.string().openapi({ description: "`incident` (it resolved) or who resumed it by hand" }),
      })
      .nullable(),
  })
  .openapi("MarketingPause");
export type MarketingPause = z.infer<typeof MarketingPauseSchema>;

export const ResumeMarketingBody = z
  .object({
    pauseId: z.string().min(1).max(64).openapi({
      description: "The `id` of the pause being ended, as read: a pause begun since by another incident is not ended",
    }),
  })
  .strict()
  .openapi("ResumeMarketing");
