import { API_SCOPES, DELIVERY_STATES } from "../../db/schema/index.ts";
import { PageQuery, patchOf, z } from "../lib/openapi.ts";

/** The no-op's answer. */
export const PingSchema = z.object({ ok: z.literal(true) });

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    database: z.object({
      reachable: z.boolean(),
      migrations: z.object({ applied: z.array(z.string()), pending: z.array(z.string()) }),
    }),
    time: z.string(),
  })
  .openapi("Health");

export const ScopeSchema = z.enum(API_SCOPES);

/** Who is calling: an API key (its name) or a person signed in through Cloudflare Access (their email). */
export const CallerSchema = z.object({
  kind: z.enum(["key", "access"]),
  name: z.string(),
  scopes: z.array(z.string()),
});

export const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(ScopeSchema).min(1).max(API_SCOPES.length),
  })
  .openapi("CreateApiKey");

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi("ApiKey");

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The full key. Shown once: only its SHA-256 is stored." }),
}).openapi("CreatedApiKey");

export const IdParams = z.object({ id: z.string().min(1).max(64) });

export const WebhookEventType = z
  .string()
  .regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, "an event type such as `reward.approved`, `reward.*` or `*`");

export const CreateWebhookBody = z
  .object({
    url: z.url().max(2000),
    description: z.string().max(200).optional(),
    eventTypes: z.array(WebhookEventType).min(1).max(50),
  })
  .openapi("CreateWebhookEndpoint");

export const UpdateWebhookBody = patchOf(CreateWebhookBody)
  .extend({ enabled: z.boolean().optional() })
  .openapi("UpdateWebhookEndpoint");

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    createdAt: z.number().int(),
  })
  .openapi("WebhookEndpoint");

export const WebhookEndpointList = z.object({ data: z.array(WebhookEndpointSchema) });

export const CreatedWebhookSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({ description: "Signing secret (Standard Webhooks `whsec_…`). Shown once." }),
}).openapi("CreatedWebhookEndpoint");

export const TestEventSchema = z.object({ eventId: z.string() });

export const DeliveryState = z.enum(DELIVERY_STATES);

export const DeliveriesQuery = PageQuery.extend({
  endpointId: z.string().max(64).optional(),
  state: DeliveryState.optional(),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    endpointId: z.string(),
    state: DeliveryState,
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("WebhookDelivery");

export const DeadLetterSchema = z
  .object({ id: z.string(), queue: z.string(), reason: z.string(), body: z.unknown(), receivedAt: z.number().int() })
  .openapi("DeadLetter");

export const VisitorSchema = z
  .object({ contactId: z.string(), externalId: z.string(), email: z.string().nullable(), name: z.string().nullable() })
  .openapi("Visitor");

export const CronRunSchema = z
  .object({
    scheduledAt: z.number().int().openapi({ description: "The minute the tick was scheduled for (ms)" }),
    startedAt: z.number().int(),
    finishedAt: z.number().int(),
    enqueued: z.number().int().openapi({ description: "Queue messages the tick sent" }),
    byKind: z.record(z.string(), z.number().int()).openapi({ description: "Those messages by kind" }),
    error: z.string().nullable().openapi({ description: "Why the tick failed, when it did" }),
  })
  .openapi("CronRun");

export const CronRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, "the `nextCursor` of the previous page")
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page" }),
});

export const RetentionRunSchema = z
  .object({
    id: z.string(),
    at: z.number().int().openapi({ description: "The time windows were measured from (the cron tick's, ms)" }),
    startedAt: z.number().int(),
    finishedAt: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Null while the queue is still working through it" }),
    pruned: z
      .record(z.string(), z.number().int())
      .openapi({ description: "Rows pruned (email bodies: emptied) per table" }),
    archived: z
      .record(z.string(), z.number().int())
      .openapi({ description: "Archive objects written to R2 per table" }),
    error: z.string().nullable().openapi({ description: "Why the run stopped early (nothing unarchived was pruned)" }),
  })
  .openapi("RetentionRun");

export const RetentionWindowSchema = z
  .object({
    window: z.string(),
    variable: z.string().openapi({ description: "The [vars] entry that sets it" }),
    days: z.number().int().openapi({ description: "Days raw rows stay in D1" }),
    defaultDays: z.number().int(),
  })
  .openapi("RetentionWindow");

export const RetentionRunsPage = z.object({
  data: z.array(RetentionRunSchema),
  nextCursor: z.string().nullable(),
  windows: z.array(RetentionWindowSchema),
});

// GDPR: a contact's export and the report of an erase.

const Rows = z.array(z.record(z.string(), z.unknown()));

export const ContactExport = z
  .object({
    format: z.literal("rapport.contact-export"),
    version: z.literal(1),
    generatedAt: z.string().openapi({ description: "When the document was made (ISO 8601, UTC)" }),
    contactId: z.string(),
    emails: z
      .object({
        contact: z.record(z.string(), z.unknown()),
        accounts: Rows,
        aliases: Rows,
        consent: z.record(z.string(), z.boolean()),
        emailProfile: z.record(z.string(), z.unknown()).nullable(),
        eventStats: Rows,
        events: Rows,
        messages: Rows,
        suppressions: Rows,
      })
      .openapi({ description: "The contact, its other ids, accounts, consent, events, messages and suppressions" }),
    referrals: z.object({
      enrolments: Rows,
      links: Rows,
      clicksByDay: Rows,
      referredCustomers: Rows,
      referredBy: Rows,
      conversions: Rows,
      rewards: Rows,
      payouts: Rows,
    }),
    feedback: z.object({ posts: Rows, comments: Rows, votes: Rows, subscriptions: Rows, notices: Rows }),
    status: z.object({ subscriptions: Rows, notifications: Rows }),
    nps: z.object({ sends: Rows, answers: Rows }),
    kpis: z.object({ targetsOwned: Rows, alertsReceived: Rows }),
  })
  .openapi("ContactExport");

const Counts = z.record(z.string(), z.number().int());

export const EraseReportSchema = z
  .object({
    erased: z.literal(true),
    contactId: z.string(),
    opaqueContactId: z.string().nullable().openapi({
      description:
        "The anonymous contact that votes, NPS scores, conversions and rewards now belong to (null: none kept)",
    }),
    report: z
      .object({
        emails: Counts,
        referrals: Counts,
        feedback: Counts,
        status: Counts,
        nps: Counts,
        kpis: Counts,
        platform: Counts,
      })
      .openapi({ description: "Rows deleted, moved or anonymised, per capability" }),
  })
  .openapi("EraseReport");
