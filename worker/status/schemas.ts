// Every request, answer and queue message of status, as zod schemas (the OpenAPI document is made from them).
import {
  COMPONENT_STATUSES,
  IMPACTS,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  MONITOR_METHODS,
} from "../../db/schema/index.ts";
import { patchOf, problemContent, z } from "../lib/openapi.ts";

// Refusals the admin operations share.
export const invalid = { 400: problemContent("Invalid") };
export const missing = (what: string) => ({ 404: problemContent(`No such ${what}`) });

/** A point in time: milliseconds since the epoch or an ISO 8601 string with offset. */
export const Instant = z
  .union([z.number().int().min(0).max(8_640_000_000_000), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v)))
  .openapi({ description: "Milliseconds since the epoch, or ISO 8601", example: "2026-11-23T14:00:00Z" });

export const ComponentStatusSchema = z.enum(COMPONENT_STATUSES);
const Name = z.string().trim().min(1).max(200);
const Body = z.string().trim().min(1).max(20_000);
const Id = z.string().min(1).max(64);

export const IdParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });
export const PageIdParams = z.object({ pageId: Id.openapi({ param: { name: "pageId", in: "path" } }) });

/** Why `s` is not a host name a page can have as its own, or null when it is one. */
function hostNameIssue(s: string): string | null {
  if (/[/:@?#]/.test(s)) return "the host name alone: no scheme, port or path";
  if (s !== s.toLowerCase()) return "must be lowercase";
  if (!s.includes(".")) return "needs at least one dot (status.example.com)";
  const labels = s.split(".");
  if (labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
    return "letters, digits and inner dashes between dots, up to 63 each (internationalised names in their xn-- form)";
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return "a host name, not an IP address";
  return null;
}

export const Domain = z
  .string()
  .max(253)
  .superRefine((s, ctx) => {
    const issue = hostNameIssue(s);
    if (issue) ctx.addIssue({ code: "custom", message: issue });
  })
  .openapi({
    description:
      "The page's own host, served at its root (page, history, feeds, subscribe pages and `/api/v2/*`). Point it at the Worker (a custom domain in wrangler.toml `routes`); null removes it.",
    example: "status.example.com",
  });

export const CreatePageBody = z
  .object({
    slug: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and inner dashes")
      .refine((s) => s !== "heartbeat", "is reserved"),
    name: Name,
    description: z.string().max(1000).optional(),
    partialWeight: z.number().min(0).max(1).optional().openapi({
      description: "How much of a partial-outage minute counts as down in uptime (default 0.3)",
    }),
    domain: Domain.nullable().optional(),
    pausesMarketing: z.boolean().optional().openapi({
      description:
        "Whether a major or critical incident on this page pauses marketing email until it resolves. Default: true for the first page made (the primary one), false for later pages (test or secondary pages).",
    }),
  })
  .openapi("CreateStatusPage");
export const UpdatePageBody = patchOf(CreatePageBody).openapi("UpdateStatusPage");
export type CreatePageInput = z.infer<typeof CreatePageBody>;
export type UpdatePageInput = z.infer<typeof UpdatePageBody>;

export const StatusPageSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    partialWeight: z.number(),
    domain: z.string().nullable(),
    pausesMarketing: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("StatusPage");

export const CreateGroupBody = z.object({ name: Name, position: z.number().int().min(0).max(10_000).optional() });
export const UpdateGroupBody = patchOf(CreateGroupBody);
export type CreateGroupInput = z.infer<typeof CreateGroupBody>;
export type UpdateGroupInput = z.infer<typeof UpdateGroupBody>;
export const GroupSchema = z
  .object({ id: z.string(), pageId: z.string(), name: z.string(), position: z.number().int() })
  .openapi("StatusGroup");

export const CreateComponentBody = z
  .object({
    name: Name,
    description: z.string().max(1000).optional(),
    groupId: Id.nullable().optional(),
    position: z.number().int().min(0).max(10_000).optional(),
    status: ComponentStatusSchema.optional(),
  })
  .openapi("CreateStatusComponent");
export const UpdateComponentBody = patchOf(CreateComponentBody).openapi("UpdateStatusComponent");
export type CreateComponentInput = z.infer<typeof CreateComponentBody>;
export type UpdateComponentInput = z.infer<typeof UpdateComponentBody>;
export const ComponentSchema = z
  .object({
    id: z.string(),
    pageId: z.string(),
    groupId: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    position: z.number().int(),
    status: ComponentStatusSchema,
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("StatusComponent");

const AffectedComponents = z
  .array(z.object({ id: Id, status: ComponentStatusSchema }))
  .max(100)
  // Twice would be two statuses for one component (and two rows for one link).
  .refine((list) => new Set(list.map((c) => c.id)).size === list.length, "name each component once")
  .openapi({ description: "Components and the status they have from this update on" });

export const CreateIncidentBody = z
  .object({
    name: Name,
    impact: z.enum(IMPACTS).optional().openapi({ description: "Derived from the components when omitted" }),
    status: z.enum(INCIDENT_STATUSES).default("investigating"),
    body: Body,
    components: AffectedComponents.default([]),
    displayAt: Instant.optional().openapi({ description: "Backdate the first update (and the start) for display" }),
  })
  .openapi("CreateIncident");
export type CreateIncidentInput = z.infer<typeof CreateIncidentBody>;

export const IncidentUpdateBody = z
  .object({
    status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
    body: Body,
    components: AffectedComponents.optional(),
    impact: z.enum(IMPACTS).optional(),
    displayAt: Instant.optional(),
  })
  .openapi("IncidentUpdate");
export type IncidentUpdateInput = z.infer<typeof IncidentUpdateBody>;

export const ResolveBody = z
  .object({ body: Body.optional(), displayAt: Instant.optional() })
  .openapi("ResolveIncident");
export const PostmortemBody = z.object({ body: Body, publish: z.boolean().default(true) }).openapi("Postmortem");
export type ResolveInput = z.infer<typeof ResolveBody>;
export type PostmortemInput = z.infer<typeof PostmortemBody>;

export const CreateMaintenanceBody = z
  .object({
    name: Name,
    body: Body,
    scheduledFor: Instant,
    scheduledUntil: Instant,
    componentIds: z.array(Id).max(100).default([]),
    autoTransition: z.boolean().default(true),
  })
  .refine((b) => b.scheduledUntil > b.scheduledFor, {
    path: ["scheduledUntil"],
    message: "must be after the start",
  })
  .openapi("CreateMaintenance");
export type CreateMaintenanceInput = z.infer<typeof CreateMaintenanceBody>;

export const IncidentSchema = z
  .object({
    id: z.string(),
    pageId: z.string(),
    kind: z.enum(["incident", "maintenance"]),
    name: z.string(),
    status: z.string(),
    impact: z.enum(IMPACTS),
    startedAt: z.number().int(),
    monitoringAt: z.number().int().nullable(),
    resolvedAt: z.number().int().nullable(),
    scheduledFor: z.number().int().nullable(),
    scheduledUntil: z.number().int().nullable(),
    postmortemBody: z.string().nullable(),
    postmortemPublishedAt: z.number().int().nullable(),
    monitorId: z.string().nullable(),
    components: z.array(z.object({ id: z.string(), status: ComponentStatusSchema })),
    updates: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        body: z.string(),
        displayAt: z.number().int(),
        createdAt: z.number().int(),
        affectedComponents: z.array(
          z.object({ code: z.string(), name: z.string(), old_status: z.string(), new_status: z.string() }),
        ),
      }),
    ),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("Incident");

export const IncidentListQuery = z.object({
  kind: z.enum(["incident", "maintenance"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const CreateMonitorBody = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("http"),
      name: Name.optional(),
      url: z.url().max(2000),
      method: z.enum(MONITOR_METHODS).default("GET"),
      expectedStatusMin: z.number().int().min(100).max(599).default(200),
      expectedStatusMax: z.number().int().min(100).max(599).default(299),
      keyword: z.string().min(1).max(200).optional(),
      timeoutMs: z.number().int().min(500).max(30_000).default(10_000),
      intervalMinutes: z.number().int().min(1).max(1440).default(1),
      failureThreshold: z.number().int().min(1).max(20).default(3),
      failureStatus: ComponentStatusSchema.exclude(["operational", "under_maintenance"]).default("major_outage"),
    }),
    z.object({
      kind: z.literal("heartbeat"),
      name: Name.optional(),
      periodSeconds: z
        .number()
        .int()
        .min(30)
        .max(7 * 86_400),
      failureStatus: ComponentStatusSchema.exclude(["operational", "under_maintenance"]).default("major_outage"),
    }),
  ])
  .openapi("CreateMonitor");
export type CreateMonitorInput = z.infer<typeof CreateMonitorBody>;

export const MonitorSchema = z
  .object({
    id: z.string(),
    componentId: z.string(),
    kind: z.enum(["http", "heartbeat"]),
    name: z.string(),
    url: z.string().nullable(),
    method: z.string(),
    expectedStatusMin: z.number().int(),
    expectedStatusMax: z.number().int(),
    keyword: z.string().nullable(),
    timeoutMs: z.number().int(),
    intervalMinutes: z.number().int(),
    periodSeconds: z.number().int().nullable(),
    failureThreshold: z.number().int(),
    failureStatus: ComponentStatusSchema,
    enabled: z.boolean(),
    consecutiveFailures: z.number().int(),
    lastCheckedAt: z.number().int().nullable(),
    lastOk: z.boolean().nullable(),
    lastBeatAt: z.number().int().nullable(),
    openIncidentId: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .openapi("Monitor");

export const CreatedMonitorSchema = MonitorSchema.extend({ heartbeatUrl: z.string().optional() });

const [HttpMonitorBody, HeartbeatMonitorBody] = CreateMonitorBody.options;
/** Any field of either kind (pause or resume with `enabled`); a field of the other kind is refused. */
export const UpdateMonitorBody = patchOf(HttpMonitorBody)
  .omit({ kind: true })
  .extend({
    enabled: z.boolean().optional(),
    keyword: z.string().min(1).max(200).nullable().optional().openapi({ description: "null: no keyword check" }),
    periodSeconds: patchOf(HeartbeatMonitorBody).shape.periodSeconds,
  })
  .openapi("UpdateMonitor");
export type UpdateMonitorInput = z.infer<typeof UpdateMonitorBody>;

export const MonitorResultsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(0).optional().openapi({ description: "Only runs before this time (ms)" }),
});

export const MonitorResultSchema = z
  .object({
    id: z.string(),
    runAt: z.number().int(),
    ok: z.boolean(),
    statusCode: z.number().int().nullable(),
    responseMs: z.number().int().nullable(),
    error: z.string().nullable(),
    checkedAt: z.number().int(),
  })
  .openapi("MonitorResult");

export const HeartbeatParams = z.object({
  token: z
    .string()
    .min(16)
    .max(64)
    .openapi({ param: { name: "token", in: "path" } }),
});
export const BeatAnswer = z.object({ ok: z.literal(true), nextBeforeMs: z.number().int() });

// Subscribers.

/** `whsec_` + base64 of 24 to 64 bytes, as Standard Webhooks libraries take it. */
function isWebhookSecret(s: string) {
  const b64 = s.slice("whsec_".length);
  if (!s.startsWith("whsec_") || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4) return false;
  const bytes = (b64.length / 4) * 3 - (b64.length - b64.replace(/=+$/, "").length);
  return bytes >= 24 && bytes <= 64;
}

const Ids = z.array(z.string().min(1).max(64)).max(100);
export const SubscribeBody = z
  .object({
    email: z.email().max(254).optional(),
    url: z.url().max(2000).optional().openapi({ description: "A webhook URL (signed with Standard Webhooks)" }),
    secret: z
      .string()
      .max(100)
      .refine(isWebhookSecret, "whsec_ and the base64 of 24 to 64 random bytes")
      .optional()
      .openapi({
        description:
          "The signing secret (`whsec_` + base64 of 24–64 random bytes), so the endpoint can verify even the challenge; Rapport makes one when absent",
      }),
    componentIds: Ids.optional(),
    groupIds: Ids.optional(),
  })
  .refine((b) => Boolean(b.email) !== Boolean(b.url), { message: "give either email or url", path: ["email"] })
  .refine((b) => !b.secret || b.url, { message: "a secret goes with a webhook url", path: ["secret"] })
  .openapi("StatusSubscribe");
export type SubscribeInput = z.infer<typeof SubscribeBody>;

export const SubscribeAnswer = z.object({
  id: z.string(),
  kind: z.enum(["email", "webhook"]),
  secret: z.string().nullable(),
  active: z.boolean().openapi({
    description: "A webhook whose endpoint echoed the challenge; always false for email (the link confirms)",
  }),
  detail: z.string().nullable().openapi({ description: "Why a webhook subscription is still pending" }),
});

export const AudienceQuery = z.object({
  componentIds: z
    .string()
    .max(6500)
    .optional()
    .transform((s) => [...new Set((s ?? "").split(",").filter(Boolean))])
    .openapi({ description: "Comma-separated ids of the components the change names; none: the whole page" }),
});

export const AudienceSchema = z
  .object({
    email: z.number().int(),
    webhook: z.number().int(),
    total: z.number().int(),
  })
  .openapi("StatusAudience");

export const SubscriberSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["email", "webhook"]),
    email: z.string().nullable(),
    url: z.string().nullable(),
    componentIds: z.array(z.string()),
    groupIds: z.array(z.string()),
    confirmedAt: z.number().int().nullable(),
    unsubscribedAt: z.number().int().nullable(),
    createdAt: z.number().int(),
  })
  .openapi("StatusSubscriber");

// The public surface of a page.

const Slug = z.string().max(60);
/** The page in a subscribe path. */
export const PageParams = z.object({ page: Slug.openapi({ param: { name: "page", in: "path" } }) });
/** The page in a path of its public surface. */
export const PageSlugParams = z.object({
  page: Slug.openapi({ param: { name: "page", in: "path" }, description: "The page's slug" }),
});

const Loose = z.looseObject({});
const PageJson = z.looseObject({ id: z.string(), name: z.string(), url: z.string(), updated_at: z.string() });
const StatusJson = z.object({
  indicator: z.enum(["none", "minor", "major", "critical", "maintenance"]),
  description: z.string(),
});
/** The Statuspage v2 answers, by resource (their fields beyond these are Statuspage's). */
export const V2 = {
  summary: z.looseObject({
    page: PageJson,
    status: StatusJson,
    components: z.array(Loose),
    incidents: z.array(Loose),
    scheduled_maintenances: z.array(Loose),
  }),
  status: z.object({ page: PageJson, status: StatusJson }),
  components: z.looseObject({ page: PageJson, components: z.array(Loose), uptime: Loose }),
  uptime: z.looseObject({ page: PageJson, uptime: Loose }),
  incidents: z.object({ page: PageJson, incidents: z.array(Loose) }),
  maintenances: z.object({ page: PageJson, scheduled_maintenances: z.array(Loose) }),
};

// Queue messages.

/** HTTP monitor runs one message carries. */
export const RUNS_PER_MESSAGE = 10;

export const MaintenanceTransitionMessage = z.object({
  kind: z.literal("status.maintenance.transition"),
  id: z.string().max(64),
  to: z.enum(["in_progress", "completed"]),
});
export const MonitorsRunMessage = z.object({
  kind: z.literal("status.monitors.run"),
  runs: z.array(z.object({ id: z.string().max(64), runAt: z.number().int() })).max(RUNS_PER_MESSAGE),
});
export const HeartbeatMissedMessage = z.object({
  kind: z.literal("status.heartbeat.missed"),
  id: z.string().max(64),
  deadline: z.number().int(),
});
export const NotifyFanoutMessage = z.object({ kind: z.literal("status.notify.fanout") });
export const NotifyDeliverMessage = z.object({
  kind: z.literal("status.notify.deliver"),
  ids: z.array(z.string().max(64)).min(1).max(20),
});
