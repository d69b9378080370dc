// Groups and components of a page, their status changes and the history uptime is built from.
import { and, asc, eq, sql } from "drizzle-orm";
import {
  type ComponentStatus,
  statusComponentChanges,
  statusComponents,
  statusGroups,
} from "../../../db/schema/index.ts";
import { type Db, inJson, type Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { componentChangedNotice } from "../notices.ts";
import type { Snapshot } from "../snapshot.ts";
import type { ChangeSource, Component, Group, StatusChange } from "../types.ts";
import { type Change, uptimeReport, windowStart } from "../uptime.ts";
import { noticeStatement } from "./notifications.ts";

export async function listGroups(db: Db, pageId: string): Promise<Group[]> {
  return db
    .select()
    .from(statusGroups)
    .where(eq(statusGroups.pageId, pageId))
    .orderBy(asc(statusGroups.position), asc(statusGroups.id));
}

export async function listComponents(db: Db, pageId: string): Promise<Component[]> {
  return db
    .select()
    .from(statusComponents)
    .where(eq(statusComponents.pageId, pageId))
    .orderBy(asc(statusComponents.position), asc(statusComponents.id));
}

/**
 * A page of the page's components in display order; the cursor is the last one's `position:id`
 * (an unreadable cursor starts over). Fetched with one more than `limit`.
 */
export async function pageOfComponents(db: Db, pageId: string, q: { limit: number; cursor?: string }) {
  const m = /^(-?\d+):(.+)$/.exec(q.cursor ?? "");
  const after = m
    ? sql`(${statusComponents.position} > ${Number(m[1])} or (${statusComponents.position} = ${Number(m[1])} and ${statusComponents.id} > ${m[2]}))`
    : undefined;
  const rows = await db
    .select()
    .from(statusComponents)
    .where(and(eq(statusComponents.pageId, pageId), after))
    .orderBy(asc(statusComponents.position), asc(statusComponents.id))
    .limit(q.limit + 1);
  const data = rows.slice(0, q.limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > q.limit && last ? `${last.position}:${last.id}` : null };
}

export async function getGroupOrThrow(db: Db, id: string): Promise<Group> {
  const g = await db.query.statusGroups.findFirst({ where: eq(statusGroups.id, id) });
  if (!g) throw notFound("No such component group");
  return g;
}

export async function getComponent(db: Db, id: string): Promise<Component | undefined> {
  const [c] = await db.select().from(statusComponents).where(eq(statusComponents.id, id));
  return c;
}

export async function getComponentOrThrow(db: Db, id: string): Promise<Component> {
  const c = await db.query.statusComponents.findFirst({ where: eq(statusComponents.id, id) });
  if (!c) throw notFound("No such component");
  return c;
}

export async function componentsByIds(db: Db, ids: string[]): Promise<Component[]> {
  return ids.length ? db.select().from(statusComponents).where(inJson(statusComponents.id, ids)) : [];
}

/** The page's components named by `ids`; a 400 naming `path` when one is not on the page. */
export async function componentsOnPage(db: Db, pageId: string, ids: string[], path: string): Promise<Component[]> {
  if (!ids.length) return [];
  const rows = await db
    .select()
    .from(statusComponents)
    .where(and(eq(statusComponents.pageId, pageId), inJson(statusComponents.id, [...new Set(ids)])));
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter((x) => !found.has(x.id));
  if (missing.length) {
    throw badRequest(
      "Some components are not on this page",
      missing.map((m) => ({ path: `${path}.${m.i}`, message: `no component ${m.id} on this page` })),
    );
  }
  return rows;
}

export async function groupOnPageOrThrow(db: Db, pageId: string, groupId: string | null | undefined) {
  if (!groupId) return;
  const g = await db.query.statusGroups.findFirst({ where: eq(statusGroups.id, groupId) });
  if (g?.pageId !== pageId) {
    throw badRequest("No such group on this page", [{ path: "body.groupId", message: "not a group of this page" }]);
  }
}

/** A 400 unless every one of `groupIds` (distinct) is a group of the page. */
export async function groupsOnPageOrThrow(db: Db, pageId: string, groupIds: string[]) {
  if (!groupIds.length) return;
  const rows = await db.all<{ id: string }>(
    sql`SELECT id FROM status_groups WHERE page_id = ${pageId} AND id IN (SELECT value FROM json_each(${JSON.stringify(groupIds)}))`,
  );
  if (rows.length !== groupIds.length) {
    throw badRequest("Some groups are not on this page", [{ path: "body.groupIds", message: "unknown group" }]);
  }
}

export const groupInsert = (db: Db, row: typeof statusGroups.$inferInsert): Statement =>
  db.insert(statusGroups).values(row);

export const groupUpdate = (db: Db, id: string, set: Partial<Group>): Statement =>
  db.update(statusGroups).set(set).where(eq(statusGroups.id, id));

/** Deletes a group; its components stay on the page, ungrouped. */
export const groupDelete = (db: Db, id: string): Statement[] => [
  db.update(statusComponents).set({ groupId: null }).where(eq(statusComponents.groupId, id)),
  db.delete(statusGroups).where(eq(statusGroups.id, id)),
];

export const componentInsert = (db: Db, row: Component): Statement => db.insert(statusComponents).values(row);

export const componentUpdate = (db: Db, id: string, set: Partial<Component>): Statement =>
  db.update(statusComponents).set(set).where(eq(statusComponents.id, id));

export const componentDelete = (db: Db, id: string): Statement =>
  db.delete(statusComponents).where(eq(statusComponents.id, id));

/**
 * The writes that move components to new statuses: the component row, its history row and the
 * `component.status_changed` event. Unchanged components produce nothing.
 */
export function statusChangeStatements(
  db: Db,
  changes: StatusChange[],
  opts: { now: number; source: ChangeSource; incidentId?: string | null },
): Statement[] {
  return changes
    .filter((c) => c.component.status !== c.to)
    .flatMap(({ component, to }) => [
      db.update(statusComponents).set({ status: to, updatedAt: opts.now }).where(eq(statusComponents.id, component.id)),
      historyStatement(db, component.id, to, opts),
      emit(
        db,
        "component.status_changed",
        {
          pageId: component.pageId,
          componentId: component.id,
          name: component.name,
          oldStatus: component.status,
          newStatus: to,
          incidentId: opts.incidentId ?? null,
          source: opts.source,
        },
        opts.now,
      ),
      // A change inside an incident is told through the incident; one on its own is told here.
      ...(opts.incidentId ? [] : [noticeStatement(db, componentChangedNotice(component, to), opts.now)]),
    ]);
}

/** One row of a component's status history. */
export function historyStatement(
  db: Db,
  componentId: string,
  status: ComponentStatus,
  opts: { now: number; source: ChangeSource; incidentId?: string | null },
): Statement {
  return db.insert(statusComponentChanges).values({
    id: newId("scc", opts.now),
    componentId,
    status,
    at: opts.now,
    source: opts.source,
    incidentId: opts.incidentId ?? null,
  });
}

/** Each component's history on the page from `from`, plus the state it opened with. */
async function pageHistory(db: Db, pageId: string, from: number): Promise<Map<string, Change[]>> {
  const rows = await db.all<{ component_id: string; status: ComponentStatus; at: number }>(sql`
    SELECT id, component_id, status, at FROM status_component_changes
    WHERE component_id IN (SELECT id FROM status_components WHERE page_id = ${pageId}) AND at >= ${from}
    UNION ALL
    SELECT c.id, c.component_id, c.status, c.at FROM status_component_changes c
    WHERE c.component_id IN (SELECT id FROM status_components WHERE page_id = ${pageId})
      AND c.at = (SELECT max(at) FROM status_component_changes p WHERE p.component_id = c.component_id AND p.at < ${from})
    ORDER BY 2, 4, 1`);
  const byComponent = new Map<string, Change[]>();
  for (const r of rows) {
    const list = byComponent.get(r.component_id) ?? [];
    list.push({ status: r.status, at: r.at });
    byComponent.set(r.component_id, list);
  }
  return byComponent;
}

/** 90 days of uptime for every component of the page. */
export async function pageUptime(db: Db, s: Snapshot, now: number) {
  return uptimeReport(s.page, s.components, await pageHistory(db, s.page.id, windowStart(now)), now);
}
