// Incidents and scheduled maintenance: their timeline and the component statuses they set.
import { and, asc, desc, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import {
  type AffectedComponent,
  type ComponentStatus,
  type EventStatus,
  IMPACTS,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  statusComponents,
  statusIncidentComponents,
  statusIncidents,
  statusIncidentUpdates,
} from "../../../db/schema/index.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import {
  type ChangeSource,
  type Component,
  componentsOnPage,
  noticeStatement,
  statusChangeStatements,
} from "./pages.ts";

export type Incident = typeof statusIncidents.$inferSelect;
export type IncidentUpdate = typeof statusIncidentUpdates.$inferSelect;
export type Impact = (typeof IMPACTS)[number];
export type IncidentView = Incident & {
  components: Array<{ id: string; status: ComponentStatus }>;
  updates: IncidentUpdate[];
};

const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};

/** Statuspage's rule when no impact is given: the worst affected component decides. */
export function impactFor(statuses: ComponentStatus[]): Impact {
  const worst = Math.max(0, ...statuses.map((s) => SEVERITY[s]));
  return IMPACTS[worst];
}

const isDone = (s: EventStatus) => s === "resolved" || s === "completed";

export async function getIncidentOrThrow(db: Db, id: string): Promise<Incident> {
  const row = await db.query.statusIncidents.findFirst({ where: eq(statusIncidents.id, id) });
  if (!row) throw notFound("No such incident or maintenance");
  return row;
}

/** Incidents with their components and updates (updates newest first, as Statuspage lists them). */
export async function withDetails(db: Db, incidents: Incident[]): Promise<IncidentView[]> {
  if (!incidents.length) return [];
  const ids = incidents.map((i) => i.id);
  const [links, updates] = await Promise.all([
    db.select().from(statusIncidentComponents).where(inArray(statusIncidentComponents.incidentId, ids)),
    db
      .select()
      .from(statusIncidentUpdates)
      .where(inArray(statusIncidentUpdates.incidentId, ids))
      .orderBy(desc(statusIncidentUpdates.displayAt), desc(statusIncidentUpdates.id)),
  ]);
  return incidents.map((i) => ({
    ...i,
    components: links.filter((l) => l.incidentId === i.id).map((l) => ({ id: l.componentId, status: l.status })),
    updates: updates.filter((u) => u.incidentId === i.id),
  }));
}

export async function getIncidentView(db: Db, id: string): Promise<IncidentView> {
  const [view] = await withDetails(db, [await getIncidentOrThrow(db, id)]);
  return view;
}

/** A page's incidents or maintenance, newest first, keyset-paged by id. */
export async function listIncidents(
  db: Db,
  pageId: string,
  q: { kind?: "incident" | "maintenance"; limit: number; cursor?: string; unresolved?: boolean },
): Promise<Incident[]> {
  return db
    .select()
    .from(statusIncidents)
    .where(
      and(
        eq(statusIncidents.pageId, pageId),
        q.kind ? eq(statusIncidents.kind, q.kind) : undefined,
        q.unresolved ? isNull(statusIncidents.resolvedAt) : undefined,
        q.cursor ? lt(statusIncidents.id, q.cursor) : undefined,
      ),
    )
    .orderBy(desc(statusIncidents.id))
    .limit(q.limit);
}

/** Maintenance not completed whose window ends after `now`, or that is still running. */
export async function openMaintenance(db: Db, pageId: string): Promise<Incident[]> {
  return db
    .select()
    .from(statusIncidents)
    .where(
      and(
        eq(statusIncidents.pageId, pageId),
        eq(statusIncidents.kind, "maintenance"),
        isNull(statusIncidents.resolvedAt),
      ),
    )
    .orderBy(asc(statusIncidents.scheduledFor));
}

/** Whether any page has an unresolved major or critical incident. */
export async function anyMajorIncident(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ id: statusIncidents.id })
    .from(statusIncidents)
    .where(
      and(
        isNull(statusIncidents.resolvedAt),
        or(eq(statusIncidents.impact, "major"), eq(statusIncidents.impact, "critical")),
      ),
    )
    .limit(1);
  return Boolean(row);
}

type Plan = { statements: Statement[]; incidentId: string };

/** The rows naming the components an incident affects (none when it affects none). */
function linkComponents(
  db: Db,
  incidentId: string,
  links: Array<{ id: string; status: ComponentStatus }>,
): Statement[] {
  if (!links.length) return [];
  return [
    db.insert(statusIncidentComponents).values(links.map((l) => ({ incidentId, componentId: l.id, status: l.status }))),
  ];
}

function affected(changes: Array<{ component: Component; to: ComponentStatus }>): AffectedComponent[] {
  return changes.map(({ component, to }) => ({
    code: component.id,
    name: component.name,
    old_status: component.status,
    new_status: to,
  }));
}

function eventType(kind: Incident["kind"], what: "created" | "updated") {
  return `${kind}.${what}`;
}

/** Opens an incident: its row, affected components, first update, status changes, event. */
export async function planCreateIncident(
  db: Db,
  pageId: string,
  body: {
    name: string;
    impact?: Impact;
    status: (typeof INCIDENT_STATUSES)[number];
    body: string;
    components: Array<{ id: string; status: ComponentStatus }>;
    displayAt?: number;
  },
  now: number,
  opts: { source?: ChangeSource; monitorId?: string; updateId?: string } = {},
): Promise<Plan> {
  const comps = await componentsOnPage(
    db,
    pageId,
    body.components.map((c) => c.id),
    "body.components",
  );
  const byId = new Map(comps.map((c) => [c.id, c]));
  const wanted = body.components.map((c) => ({ component: byId.get(c.id) as Component, to: c.status }));
  const id = newId("inc", now);
  const startedAt = body.displayAt ?? now;
  const resolved = body.status === "resolved";
  // A backfilled, already resolved incident records history; it does not move live components.
  const changes = resolved ? [] : wanted;
  const incident = {
    id,
    pageId,
    kind: "incident" as const,
    name: body.name,
    status: body.status,
    impact: body.impact ?? impactFor(wanted.map((w) => w.to)),
    startedAt,
    monitoringAt: body.status === "monitoring" ? now : null,
    resolvedAt: resolved ? now : null,
    monitorId: opts.monitorId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const statements: Statement[] = [
    db.insert(statusIncidents).values(incident),
    ...linkComponents(
      db,
      id,
      wanted.map((w) => ({ id: w.component.id, status: w.to })),
    ),
    db.insert(statusIncidentUpdates).values({
      id: opts.updateId ?? newId("upd", now),
      incidentId: id,
      status: body.status,
      body: body.body,
      affectedComponents: affected(wanted),
      displayAt: startedAt,
      createdAt: now,
    }),
    ...statusChangeStatements(db, changes, { now, source: opts.source ?? "incident", incidentId: id }),
    emit(db, "incident.created", { ...incident, body: body.body, components: body.components }, now),
    // A backfilled incident (resolved at creation) is history, not news.
    ...(resolved
      ? []
      : [
          noticeStatement(
            db,
            {
              pageId,
              type: "incident.created",
              componentIds: wanted.map((w) => w.component.id),
              subject: `Incident: ${body.name}`,
              text: `${body.name} (${incident.impact} impact): ${body.status}.\n\n${body.body}`,
              payload: { incidentId: id, status: body.status, impact: incident.impact },
            },
            now,
          ),
        ]),
  ];
  return { statements, incidentId: id };
}

/** Schedules maintenance: components change only when its window starts (or an update says so). */
export async function planCreateMaintenance(
  db: Db,
  pageId: string,
  body: {
    name: string;
    body: string;
    scheduledFor: number;
    scheduledUntil: number;
    componentIds: string[];
    autoTransition: boolean;
  },
  now: number,
): Promise<Plan> {
  const comps = await componentsOnPage(db, pageId, body.componentIds, "body.componentIds");
  const id = newId("mnt", now);
  const row = {
    id,
    pageId,
    kind: "maintenance" as const,
    name: body.name,
    status: "scheduled" as const,
    impact: "none" as const,
    startedAt: body.scheduledFor,
    scheduledFor: body.scheduledFor,
    scheduledUntil: body.scheduledUntil,
    autoTransition: body.autoTransition,
    createdAt: now,
    updatedAt: now,
  };
  const statements: Statement[] = [
    db.insert(statusIncidents).values(row),
    ...linkComponents(
      db,
      id,
      comps.map((c) => ({ id: c.id, status: "under_maintenance" as const })),
    ),
    db.insert(statusIncidentUpdates).values({
      id: newId("upd", now),
      incidentId: id,
      status: "scheduled",
      body: body.body,
      affectedComponents: [],
      displayAt: now,
      createdAt: now,
    }),
    emit(db, "maintenance.created", { ...row, body: body.body, componentIds: comps.map((c) => c.id) }, now),
  ];
  return { statements, incidentId: id };
}

/** Of `componentIds`, those linked to another unresolved incident or maintenance in progress. */
async function heldByOthers(db: Db, incidentId: string, componentIds: string[]): Promise<Set<string>> {
  if (!componentIds.length) return new Set();
  const rows = await db
    .select({ id: statusIncidentComponents.componentId })
    .from(statusIncidentComponents)
    .innerJoin(statusIncidents, eq(statusIncidents.id, statusIncidentComponents.incidentId))
    .where(
      and(
        inArray(statusIncidentComponents.componentId, componentIds),
        isNull(statusIncidents.resolvedAt),
        ne(statusIncidents.id, incidentId),
        ne(statusIncidents.status, "scheduled"),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * Posts a timeline update. Components named in it take their new status; when the incident is
 * resolved (or maintenance completed) the rest of its components return to operational, and
 * maintenance going in progress puts its components under maintenance.
 */
export async function planUpdate(
  db: Db,
  incident: Incident,
  body: {
    status: EventStatus;
    body: string;
    components?: Array<{ id: string; status: ComponentStatus }>;
    impact?: Impact;
    displayAt?: number;
  },
  now: number,
  opts: { source?: ChangeSource; updateId?: string } = {},
): Promise<Statement[]> {
  const source = opts.source ?? incident.kind;
  const allowed: readonly string[] = incident.kind === "incident" ? INCIDENT_STATUSES : MAINTENANCE_STATUSES;
  if (!allowed.includes(body.status)) {
    throw badRequest(`A ${incident.kind} update takes one of: ${allowed.join(", ")}`, [
      { path: "body.status", message: `not a ${incident.kind} status` },
    ]);
  }
  const explicit = body.components ?? [];
  const linked = await db
    .select()
    .from(statusIncidentComponents)
    .where(eq(statusIncidentComponents.incidentId, incident.id));
  const ids = [...new Set([...linked.map((l) => l.componentId), ...explicit.map((c) => c.id)])];
  await componentsOnPage(
    db,
    incident.pageId,
    explicit.map((c) => c.id),
    "body.components",
  );
  const comps = ids.length
    ? await db.select().from(statusComponents).where(inArray(statusComponents.id, ids))
    : ([] as Component[]);
  const byId = new Map(comps.map((c) => [c.id, c]));
  const target = new Map(explicit.map((c) => [c.id, c.status]));
  const done = isDone(body.status);
  const wasDone = isDone(incident.status);
  const held =
    done && !wasDone
      ? await heldByOthers(
          db,
          incident.id,
          linked.map((l) => l.componentId),
        )
      : new Set();
  for (const l of linked) {
    if (target.has(l.componentId)) continue;
    // A component another open incident or maintenance still holds keeps its status.
    if (done && !wasDone) {
      if (!held.has(l.componentId)) target.set(l.componentId, "operational");
    } else if (incident.kind === "maintenance" && body.status === "in_progress")
      target.set(l.componentId, "under_maintenance");
  }
  const changes = [...target]
    .map(([id, to]) => ({ component: byId.get(id) as Component, to }))
    .filter((c) => c.component);
  const displayAt = body.displayAt ?? now;
  const patch: Partial<Incident> = { status: body.status, updatedAt: now };
  if (body.impact) patch.impact = body.impact;
  if (body.status === "monitoring" && !incident.monitoringAt) patch.monitoringAt = displayAt;
  if (done) patch.resolvedAt = incident.resolvedAt ?? displayAt;
  if (!done && wasDone) patch.resolvedAt = null;
  if (incident.kind === "maintenance" && body.status === "in_progress" && incident.status === "scheduled") {
    patch.startedAt = displayAt;
  }
  const relinks = explicit.filter((c) => c.status !== "operational");
  return [
    db.update(statusIncidents).set(patch).where(eq(statusIncidents.id, incident.id)),
    ...relinks.map((c) =>
      db
        .insert(statusIncidentComponents)
        .values({ incidentId: incident.id, componentId: c.id, status: c.status })
        .onConflictDoUpdate({
          target: [statusIncidentComponents.incidentId, statusIncidentComponents.componentId],
          set: { status: c.status },
        }),
    ),
    db.insert(statusIncidentUpdates).values({
      id: opts.updateId ?? newId("upd", now),
      incidentId: incident.id,
      status: body.status,
      body: body.body,
      affectedComponents: affected(changes.filter((c) => c.component.status !== c.to)),
      displayAt,
      createdAt: now,
    }),
    ...statusChangeStatements(db, changes, { now, source, incidentId: incident.id }),
    emit(
      db,
      eventType(incident.kind, "updated"),
      { id: incident.id, pageId: incident.pageId, name: incident.name, ...patch, body: body.body },
      now,
    ),
    ...updateNotice(db, incident, body, ids, now),
  ];
}

/** Subscribers hear every incident update, and maintenance when it starts and ends. */
function updateNotice(
  db: Db,
  incident: Incident,
  body: { status: EventStatus; body: string },
  componentIds: string[],
  now: number,
) {
  const type =
    incident.kind === "incident"
      ? ("incident.updated" as const)
      : body.status === "in_progress"
        ? ("maintenance.started" as const)
        : body.status === "completed"
          ? ("maintenance.completed" as const)
          : null;
  if (!type) return [];
  const label = incident.kind === "incident" ? "Incident" : "Maintenance";
  return [
    noticeStatement(
      db,
      {
        pageId: incident.pageId,
        type,
        componentIds,
        subject: `${label} ${body.status.replaceAll("_", " ")}: ${incident.name}`,
        text: `${incident.name}: ${body.status.replaceAll("_", " ")}.\n\n${body.body}`,
        payload: { incidentId: incident.id, status: body.status },
      },
      now,
    ),
  ];
}

export function planPostmortem(db: Db, incident: Incident, body: { body: string; publish: boolean }, now: number) {
  if (incident.kind !== "incident" || !incident.resolvedAt) {
    throw badRequest("A postmortem is written for a resolved incident", [
      { path: "id", message: "the incident is not resolved" },
    ]);
  }
  return [
    db
      .update(statusIncidents)
      .set({
        postmortemBody: body.body,
        postmortemPublishedAt: body.publish ? (incident.postmortemPublishedAt ?? now) : null,
        updatedAt: now,
      })
      .where(eq(statusIncidents.id, incident.id)),
    emit(db, "incident.postmortem", { id: incident.id, pageId: incident.pageId, published: body.publish }, now),
  ];
}
