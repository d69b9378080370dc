// Tables of the status capability.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const COMPONENT_STATUSES = [
  "operational",
  "degraded_performance",
  "partial_outage",
  "major_outage",
  "under_maintenance",
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export const IMPACTS = ["none", "minor", "major", "critical"] as const;
export const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"] as const;
export const MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"] as const;
/** Incidents and maintenance share one table (as in Statuspage); `kind` tells them apart. */
export const EVENT_STATUSES = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const CHANGE_SOURCES = ["manual", "incident", "maintenance", "monitor"] as const;

/** A public status page; `version` is bumped by every write that changes what it shows (cache key). */
export const statusPages = sqliteTable(
  "status_pages",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    /** Weight of a partial outage minute in uptime (published on the page). */
    partialWeight: real("partial_weight").notNull().default(0.3),
    /** The page's own host (`status.example.com`), served at its root; null: only `/status/<slug>`. */
    domain: text("domain"),
    /** Whether a major or critical incident here pauses marketing email (true for the primary page only, by default). */
    pausesMarketing: integer("pauses_marketing", { mode: "boolean" }).notNull().default(false),
    version: integer("version").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("status_pages_slug_uq").on(t.slug), uniqueIndex("status_pages_domain_uq").on(t.domain)],
);

export const statusGroups = sqliteTable(
  "status_groups",
  {
    id: text("id").primaryKey(),
    pageId: text("page_id").notNull(),
    name: text("name").notNull(),
    position: integer("position").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("status_groups_page_idx").on(t.pageId, t.position)],
);

export const statusComponents = sqliteTable(
  "status_components",
  {
    id: text("id").primaryKey(),
    pageId: text("page_id").notNull(),
    groupId: text("group_id"),
    name: text("name").notNull(),
    description: text("description"),
    position: integer("position").notNull().default(0),
    status: text("status", { enum: COMPONENT_STATUSES }).notNull().default("operational"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("status_components_page_idx").on(t.pageId, t.position),
    index("status_components_group_idx").on(t.groupId),
  ],
);

/** Every status a component has had, from `at`: the source of uptime for any past day. */
export const statusComponentChanges = sqliteTable(
  "status_component_changes",
  {
    id: text("id").primaryKey(),
    componentId: text("component_id").notNull(),
    status: text("status", { enum: COMPONENT_STATUSES }).notNull(),
    at: integer("at").notNull(),
    source: text("source", { enum: CHANGE_SOURCES }).notNull().default("manual"),
    incidentId: text("incident_id"),
  },
  (t) => [index("status_component_changes_component_at_idx").on(t.componentId, t.at)],
);

export const statusIncidents = sqliteTable(
  "status_incidents",
  {
    id: text("id").primaryKey(),
    pageId: text("page_id").notNull(),
    kind: text("kind", { enum: ["incident", "maintenance"] }).notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: EVENT_STATUSES }).notNull(),
    impact: text("impact", { enum: IMPACTS }).notNull().default("none"),
    startedAt: integer("started_at").notNull(),
    monitoringAt: integer("monitoring_at"),
    resolvedAt: integer("resolved_at"),
    scheduledFor: integer("scheduled_for"),
    scheduledUntil: integer("scheduled_until"),
    /** Maintenance only: whether the window moves components to under_maintenance and back. */
    autoTransition: integer("auto_transition", { mode: "boolean" }).notNull().default(true),
    postmortemBody: text("postmortem_body"),
    postmortemPublishedAt: integer("postmortem_published_at"),
    /** Opened by this monitor; recovery resolves it. */
    monitorId: text("monitor_id"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("status_incidents_page_idx").on(t.pageId, t.kind, t.resolvedAt),
    index("status_incidents_open_idx").on(t.resolvedAt, t.impact),
    index("status_incidents_window_idx").on(t.kind, t.status, t.scheduledFor),
  ],
);

/** Components an incident affects, with the status they have during it. */
export const statusIncidentComponents = sqliteTable(
  "status_incident_components",
  {
    incidentId: text("incident_id").notNull(),
    componentId: text("component_id").notNull(),
    status: text("status", { enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.componentId] }),
    index("status_incident_components_component_idx").on(t.componentId),
  ],
);

export type AffectedComponent = { code: string; name: string; old_status: string; new_status: string };

export const statusIncidentUpdates = sqliteTable(
  "status_incident_updates",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id").notNull(),
    status: text("status", { enum: EVENT_STATUSES }).notNull(),
    body: text("body").notNull(),
    affectedComponents: text("affected_components", { mode: "json" })
      .$type<AffectedComponent[]>()
      .notNull()
      .default([]),
    displayAt: integer("display_at").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("status_incident_updates_incident_idx").on(t.incidentId, t.displayAt)],
);

export const MONITOR_KINDS = ["http", "heartbeat"] as const;
export const MONITOR_METHODS = ["GET", "HEAD", "POST"] as const;

export const statusMonitors = sqliteTable(
  "status_monitors",
  {
    id: text("id").primaryKey(),
    componentId: text("component_id").notNull(),
    kind: text("kind", { enum: MONITOR_KINDS }).notNull(),
    name: text("name").notNull(),
    url: text("url"),
    method: text("method", { enum: MONITOR_METHODS }).notNull().default("GET"),
    expectedStatusMin: integer("expected_status_min").notNull().default(200),
    expectedStatusMax: integer("expected_status_max").notNull().default(299),
    keyword: text("keyword"),
    timeoutMs: integer("timeout_ms").notNull().default(10_000),
    intervalMinutes: integer("interval_minutes").notNull().default(1),
    /** Heartbeat: beats may be missing for this long before the component is down. */
    periodSeconds: integer("period_seconds"),
    /** Heartbeat: SHA-256 of the secret in its URL. */
    tokenHash: text("token_hash"),
    failureThreshold: integer("failure_threshold").notNull().default(3),
    failureStatus: text("failure_status", { enum: COMPONENT_STATUSES }).notNull().default("major_outage"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    nextRunAt: integer("next_run_at").notNull().default(0),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastCheckedAt: integer("last_checked_at"),
    lastOk: integer("last_ok", { mode: "boolean" }),
    lastBeatAt: integer("last_beat_at"),
    /** The automatic incident this monitor opened and has not resolved yet. */
    openIncidentId: text("open_incident_id"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("status_monitors_due_idx").on(t.enabled, t.kind, t.nextRunAt),
    index("status_monitors_component_idx").on(t.componentId),
    uniqueIndex("status_monitors_token_uq").on(t.tokenHash),
  ],
);

/** One result per monitor per scheduled run: a second delivery of the same run is a no-op. */
export const statusMonitorResults = sqliteTable(
  "status_monitor_results",
  {
    id: text("id").primaryKey(),
    monitorId: text("monitor_id").notNull(),
    runAt: integer("run_at").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    statusCode: integer("status_code"),
    responseMs: integer("response_ms"),
    error: text("error"),
    checkedAt: integer("checked_at").notNull(),
  },
  (t) => [uniqueIndex("status_monitor_results_run_uq").on(t.monitorId, t.runAt)],
);

export const SUBSCRIBER_KINDS = ["email", "webhook"] as const;

/** Email subscribers are contacts; webhook subscribers carry their URL and signing secret. */
export const statusSubscribers = sqliteTable(
  "status_subscribers",
  {
    id: text("id").primaryKey(),
    pageId: text("page_id").notNull(),
    kind: text("kind", { enum: SUBSCRIBER_KINDS }).notNull(),
    contactId: text("contact_id"),
    url: text("url"),
    secret: text("secret"),
    /** Empty lists mean the whole page. */
    componentIds: text("component_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    groupIds: text("group_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    confirmedAt: integer("confirmed_at"),
    unsubscribedAt: integer("unsubscribed_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("status_subscribers_page_idx").on(t.pageId, t.confirmedAt),
    uniqueIndex("status_subscribers_contact_uq").on(t.pageId, t.contactId),
  ],
);

export const NOTICE_TYPES = [
  "incident.created",
  "incident.updated",
  "maintenance.started",
  "maintenance.completed",
  "component.status_changed",
] as const;

/**
 * What subscribers are told, written in the same batch as the change (an outbox): the queue fans
 * each one out to the matching subscribers, and cron picks up any the queue never saw.
 */
export const statusNotices = sqliteTable(
  "status_notices",
  {
    id: text("id").primaryKey(),
    pageId: text("page_id").notNull(),
    type: text("type", { enum: NOTICE_TYPES }).notNull(),
    /** Components it concerns; subscribers to them (or to their groups) are told. Empty: whole page only. */
    componentIds: text("component_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    fannedOutAt: integer("fanned_out_at"),
  },
  (t) => [index("status_notices_pending_idx").on(t.fannedOutAt, t.createdAt)],
);

/** One notification per subscriber per notice: the unique key makes delivery exactly-once. */
export const statusNotifications = sqliteTable(
  "status_notifications",
  {
    id: text("id").primaryKey(),
    subscriberId: text("subscriber_id").notNull(),
    /** The notice told, or `confirm:<time>` for a double opt-in email. */
    noticeId: text("notice_id").notNull(),
    state: text("state", { enum: ["pending", "sent", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("status_notifications_uq").on(t.subscriberId, t.noticeId),
    index("status_notifications_notice_idx").on(t.noticeId, t.state),
    index("status_notifications_state_idx").on(t.state, t.updatedAt),
  ],
);
