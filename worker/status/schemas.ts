import {
  COMPONENT_STATUSES,
  IMPACTS,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  MONITOR_METHODS,
} from "../../db/schema/index.ts";
import { patchOf, z } from "../lib/openapi.ts";

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
  })
  .openapi("CreateStatusPage");
export const UpdatePageBody = patchOf(CreatePageBody).openapi("UpdateStatusPage");

export const StatusPageSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    partialWeight: z.number(),
    domain: z.string().nullable(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("StatusPage");

export const CreateGroupBody = z.object({ name: Name, position: z.number().int().min(0).max(10_000).optional() });
export const UpdateGroupBody = patchOf(CreateGroupBody);
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

export const IncidentUpdateBody = z
  .object({
    status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
    body: Body,
    components: AffectedComponents.optional(),
    impact: z.enum(IMPACTS).optional(),
    displayAt: Instant.optional(),
  })
  .openapi("IncidentUpdate");

export const ResolveBody = z
  .object({ body: Body.optional(), displayAt: Instant.optional() })
  .openapi("ResolveIncident");
export const PostmortemBody = z.object({ body: Body, publish: z.boolean().default(true) }).openapi("Postmortem");

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
    message: "must be after scheduledFor",
  })
  .openapi("CreateMaintenance");

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
