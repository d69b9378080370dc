// Statuspage public API v2 shapes (field names, enums, indicator rules), built from Rapport's rows.
import type { ComponentStatus } from "../../db/schema/index.ts";
import { type Site, siteUrl } from "./site.ts";
import { activeMaintenance, type Snapshot, unresolvedIncidents, upcomingMaintenance } from "./snapshot.ts";
import type { Component, Group, IncidentView, Page } from "./types.ts";

const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

export type Indicator = "none" | "minor" | "major" | "critical" | "maintenance";
export type PageStatus = { indicator: Indicator; description: string };

const RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };
const WORST_COMPONENT: ComponentStatus[] = [
  "operational",
  "under_maintenance",
  "degraded_performance",
  "partial_outage",
  "major_outage",
];

/** The worst of `statuses` (a group's status in Statuspage). */
export function worstStatus(statuses: ComponentStatus[]): ComponentStatus {
  return statuses.reduce<ComponentStatus>(
    (w, s) => (WORST_COMPONENT.indexOf(s) > WORST_COMPONENT.indexOf(w) ? s : w),
    "operational",
  );
}

/**
 * Statuspage's page indicator: the worse of the unresolved incidents' impact and the components'
 * state (degraded or partial outage: minor; a major outage: major; all components down:
 * critical). With nothing wrong but maintenance running, `maintenance`.
 */
export function pageStatus(components: Array<{ status: ComponentStatus }>, unresolved: IncidentView[]): PageStatus {
  let indicator: Indicator = "none";
  let description = "All Systems Operational";
  const raise = (to: Indicator, text: string) => {
    if (RANK[to] > RANK[indicator]) {
      indicator = to;
      description = text;
    }
  };
  const statuses = components.map((c) => c.status);
  if (statuses.includes("under_maintenance")) raise("maintenance", "Service Under Maintenance");
  if (statuses.includes("degraded_performance")) raise("minor", "Partially Degraded Service");
  if (statuses.includes("partial_outage")) raise("minor", "Minor Service Outage");
  if (statuses.includes("major_outage")) {
    if (statuses.every((s) => s === "major_outage")) raise("critical", "Major Service Outage");
    else raise("major", "Partial System Outage");
  }
  for (const i of unresolved) {
    if (i.kind !== "incident") continue;
    if (i.impact === "minor") raise("minor", "Minor Service Outage");
    if (i.impact === "major") raise("major", "Partial System Outage");
    if (i.impact === "critical") raise("critical", "Major Service Outage");
  }
  return { indicator, description };
}

export function pageJson(page: Page, site: Site) {
  return {
    id: page.id,
    name: page.name,
    url: siteUrl(site),
    time_zone: "Etc/UTC",
    updated_at: iso(page.updatedAt),
  };
}

export function componentJson(page: Page, c: Component) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    position: c.position,
    description: c.description,
    showcase: true,
    start_date: iso(c.createdAt)?.slice(0, 10) ?? null,
    group_id: c.groupId,
    page_id: page.id,
    group: false,
    only_show_if_degraded: false,
  };
}

/** Components as Statuspage lists them: each group is itself a component with `group: true`. */
export function componentsJson(page: Page, groups: Group[], components: Component[]) {
  const out: Array<Record<string, unknown>> = [];
  const one = (c: Component) => componentJson(page, c);
  for (const g of groups) {
    const members = components.filter((c) => c.groupId === g.id);
    out.push({
      id: g.id,
      name: g.name,
      status: worstStatus(members.map((m) => m.status)),
      created_at: iso(g.createdAt),
      updated_at: iso(Math.max(g.updatedAt, ...members.map((m) => m.updatedAt))),
      position: g.position,
      description: null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: page.id,
      group: true,
      only_show_if_degraded: false,
      components: members.map((m) => m.id),
    });
    out.push(...members.map(one));
  }
  const grouped = new Set(groups.map((g) => g.id));
  out.push(...components.filter((c) => !c.groupId || !grouped.has(c.groupId)).map(one));
  return out;
}

/** An incident or maintenance in Statuspage's shape (maintenance adds the window and impact `maintenance`). */
export function incidentJson(page: Page, i: IncidentView, components: Component[], site: Site) {
  const byId = new Map(components.map((c) => [c.id, c]));
  const postmortem = i.postmortemPublishedAt ? i.postmortemBody : null;
  const base = {
    id: i.id,
    name: i.name,
    status: i.kind === "incident" && postmortem ? "postmortem" : i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.kind === "maintenance" ? "maintenance" : i.impact,
    shortlink: siteUrl(site, `/incidents/${i.id}`),
    started_at: iso(i.startedAt),
    page_id: page.id,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: iso(u.createdAt),
      updated_at: iso(u.createdAt),
      display_at: iso(u.displayAt),
      affected_components: u.affectedComponents.length ? u.affectedComponents : null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: i.components
      .map((c) => byId.get(c.id))
      .filter((c): c is Component => Boolean(c))
      .map((c) => componentJson(page, c)),
    ...(postmortem ? { postmortem_body: postmortem, postmortem_published_at: iso(i.postmortemPublishedAt) } : {}),
  };
  if (i.kind !== "maintenance") return base;
  return { ...base, scheduled_for: iso(i.scheduledFor), scheduled_until: iso(i.scheduledUntil) };
}

/** Incidents or maintenance of the page in Statuspage's shape. */
export const eventsJson = (snap: Snapshot, list: IncidentView[], site: Site) =>
  list.map((i) => incidentJson(snap.page, i, snap.components, site));

/** `summary.json`: the page, its components, unresolved incidents, active and upcoming maintenance, its status. */
export const summaryJson = (snap: Snapshot, site: Site) => ({
  page: pageJson(snap.page, site),
  components: componentsJson(snap.page, snap.groups, snap.components),
  incidents: eventsJson(snap, unresolvedIncidents(snap), site),
  scheduled_maintenances: eventsJson(snap, [...activeMaintenance(snap), ...upcomingMaintenance(snap)], site),
  status: pageStatus(snap.components, snap.open),
});
