// Incidents and scheduled maintenance: reads, and the writes that open, update and close them.
import { and, desc, eq, inArray, isNull, lt, lte, ne, or } from "drizzle-orm";
import {
  type EventStatus,
  type INCIDENT_STATUSES,
  statusIncidentComponents,
  statusIncidents,
  statusIncidentUpdates,
  statusPages,
} from "../../../db/schema/index.ts";
import { endMarketingPauseFor, pauseMarketingFor } from "../../emails/index.ts";
import { type Db, inJson, type Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { incidentCreatedNotice, updateNotice } from "../notices.ts";
import {
  affected,
  closes,
  componentTargets,
  impactFor,
  incidentPatch,
  isSevere,
  pausesMarketing,
  updateStatusOrThrow,
} from "../timeline.ts";
import type { ChangeSource, Component, ComponentTarget, Impact, Incident, IncidentView } from "../types.ts";
import { componentsByIds, componentsOnPage, statusChangeStatements } from "./components.ts";
import { noticeStatement } from "./notifications.ts";

export async function getIncident(db: Db, id: string): Promise<Incident | undefined> {
  return db.query.statusIncidents.findFirst({ where: eq(statusIncidents.id, id) });
}

export async function getIncidentOrThrow(db: Db, id: string): Promise<Incident> {
  const row = await getIncident(db, id);
  if (!row) throw notFound("No such incident or maintenance");
  return row;
}

/** Incidents with their components and updates (updates newest first, as Statuspage lists them). */
export async function withDetails(db: Db, incidents: Incident[]): Promise<IncidentView[]> {
  if (!incidents.length) return [];
  const ids = incidents.map((i) => i.id);
  const [links, updates] = await Promise.all([
    db.select().from(statusIncidentComponents).where(inJson(statusIncidentComponents.incidentId, ids)),
    db
      .select()
      .from(statusIncidentUpdates)
      .where(inJson(statusIncidentUpdates.incidentId, ids))
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

/** Open incidents and maintenance not completed, newest first, with their timelines. */
export async function openEvents(db: Db, pageId: string): Promise<IncidentView[]> {
  return withDetails(db, await listIncidents(db, pageId, { unresolved: true, limit: 100 }));
}

/** The most recent incidents (or maintenance) of a page with their timelines. */
export async function recentEvents(
  db: Db,
  pageId: string,
  kinds: Array<"incident" | "maintenance">,
  limit = 50,
): Promise<IncidentView[]> {
  const rows = await db
    .select()
    .from(statusIncidents)
    .where(and(eq(statusIncidents.pageId, pageId), inJson(statusIncidents.kind, kinds)))
    .orderBy(desc(statusIncidents.startedAt), desc(statusIncidents.id))
    .limit(limit);
  return withDetails(db, rows);
}

type PauseView = Pick<Incident, "id" | "pageId" | "name" | "kind" | "impact" | "resolvedAt">;

/**
 * The writes that pause or resume marketing email as the incident stands `after` a change (`before`
 * it, null when it opens): only a page that pauses marketing pauses it; a pause ends when its
 * incident resolves or stops being major (and, on an update, when its page stopped pausing).
 */
async function marketingPause(db: Db, after: PauseView, before: PauseView | null, now: number): Promise<Statement[]> {
  if (!isSevere(after) && !(before && isSevere(before))) return [];
  const [page] = await db
    .select({ name: statusPages.name, pausesMarketing: statusPages.pausesMarketing })
    .from(statusPages)
    .where(eq(statusPages.id, after.pageId));
  if (page && pausesMarketing(page, after)) {
    const pausing = { incidentId: after.id, incidentName: after.name, pageId: after.pageId, pageName: page.name };
    return pauseMarketingFor(db, pausing, now);
  }
  return before ? endMarketingPauseFor(db, after.id, now) : [];
}

/** Maintenance that moves by itself and whose window edge has passed: scheduled to start, running to complete. */
export async function maintenanceAtEdge(db: Db, now: number) {
  return db
    .select({ id: statusIncidents.id, status: statusIncidents.status })
    .from(statusIncidents)
    .where(
      and(
        eq(statusIncidents.kind, "maintenance"),
        eq(statusIncidents.autoTransition, true),
        isNull(statusIncidents.resolvedAt),
        or(
          and(eq(statusIncidents.status, "scheduled"), lte(statusIncidents.scheduledFor, now)),
          and(inArray(statusIncidents.status, ["in_progress", "verifying"]), lte(statusIncidents.scheduledUntil, now)),
        ),
      ),
    )
    .limit(200);
}

type Plan = { statements: Statement[]; incidentId: string };

/** The rows naming the components an incident affects (none when it affects none). */
function linkComponents(db: Db, incidentId: string, links: ComponentTarget[]): Statement[] {
  if (!links.length) return [];
  return [
    db.insert(statusIncidentComponents).values(links.map((l) => ({ incidentId, componentId: l.id, status: l.status }))),
  ];
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
    components: ComponentTarget[];
    displayAt?: number;
  },
  now: number,
  opts: { source?: ChangeSource; monitorId?: string; updateId?: string } = {},
): Promise<Plan> {
  const ids = body.components.map((c) => c.id);
  const byId = new Map((await componentsOnPage(db, pageId, ids, "body.components")).map((c) => [c.id, c]));
  const wanted = body.components.map((c) => ({ component: byId.get(c.id) as Component, to: c.status }));
  const id = newId("inc", now);
  const startedAt = body.displayAt ?? now;
  const resolved = body.status === "resolved";
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
    ...linkComponents(db, id, body.components),
    db.insert(statusIncidentUpdates).values({
      id: opts.updateId ?? newId("upd", now),
      incidentId: id,
      status: body.status,
      body: body.body,
      affectedComponents: affected(wanted),
      displayAt: startedAt,
      createdAt: now,
    }),
    // A backfilled, already resolved incident records history; it does not move live components.
    ...statusChangeStatements(db, resolved ? [] : wanted, {
      now,
      source: opts.source ?? "incident",
      incidentId: id,
    }),
    emit(db, "incident.created", { ...incident, body: body.body, components: body.components }, now),
    ...(await marketingPause(db, incident, null, now)),
    // A backfilled incident (resolved at creation) is history, not news.
    ...(resolved ? [] : [noticeStatement(db, incidentCreatedNotice(incident, body.body, ids), now)]),
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

async function linkedComponentIds(db: Db, incidentId: string): Promise<string[]> {
  const rows = await db
    .select({ id: statusIncidentComponents.componentId })
    .from(statusIncidentComponents)
    .where(eq(statusIncidentComponents.incidentId, incidentId));
  return rows.map((r) => r.id);
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
        inJson(statusIncidentComponents.componentId, componentIds),
        isNull(statusIncidents.resolvedAt),
        ne(statusIncidents.id, incidentId),
        ne(statusIncidents.status, "scheduled"),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * Posts a timeline update: the incident's new fields, the components it names (re)linked, the
 * update row, the status changes `componentTargets` decides, the event and the notice.
 */
export async function planUpdate(
  db: Db,
  incident: Incident,
  body: { status: EventStatus; body: string; components?: ComponentTarget[]; impact?: Impact; displayAt?: number },
  now: number,
  opts: { source?: ChangeSource; updateId?: string } = {},
): Promise<Statement[]> {
  updateStatusOrThrow(incident.kind, body.status);
  const named = body.components ?? [];
  const linked = await linkedComponentIds(db, incident.id);
  const ids = [...new Set([...linked, ...named.map((c) => c.id)])];
  await componentsOnPage(
    db,
    incident.pageId,
    named.map((c) => c.id),
    "body.components",
  );
  const byId = new Map((await componentsByIds(db, ids)).map((c) => [c.id, c]));
  const held = closes(incident, body.status) ? await heldByOthers(db, incident.id, linked) : new Set<string>();
  const changes = [...componentTargets(incident, body.status, linked, named, held)]
    .map(([id, to]) => ({ component: byId.get(id) as Component, to }))
    .filter((c) => c.component);
  const displayAt = body.displayAt ?? now;
  const patch = incidentPatch(incident, body, displayAt, now);
  const notice = updateNotice(incident, body, ids);
  return [
    db.update(statusIncidents).set(patch).where(eq(statusIncidents.id, incident.id)),
    ...named
      .filter((c) => c.status !== "operational")
      .map((c) =>
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
    ...statusChangeStatements(db, changes, { now, source: opts.source ?? incident.kind, incidentId: incident.id }),
    emit(
      db,
      `${incident.kind}.updated`,
      { id: incident.id, pageId: incident.pageId, name: incident.name, ...patch, body: body.body },
      now,
    ),
    ...(notice ? [noticeStatement(db, notice, now)] : []),
    ...(await marketingPause(db, { ...incident, ...patch }, incident, now)),
  ];
}

/** The postmortem of a resolved incident, published or kept as a draft. */
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
