// What the public surface of a page shows, loaded in a few set-based queries.
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { statusIncidents } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { type IncidentView, withDetails } from "./store/incidents.ts";
import { type Component, type Group, getPageBySlug, listComponents, listGroups, type Page } from "./store/pages.ts";
import { DAY_MS, pageHistory, startOfUtcDay, UPTIME_DAYS, type UptimeDay, uptimeDays } from "./uptime.ts";

export type Snapshot = {
  page: Page;
  groups: Group[];
  components: Component[];
  /** Open incidents and maintenance not completed, newest first. */
  open: IncidentView[];
};

export async function loadSnapshot(db: Db, slug: string): Promise<Snapshot | null> {
  const page = await getPageBySlug(db, slug);
  if (!page) return null;
  const [groups, components, open] = await Promise.all([
    listGroups(db, page.id),
    listComponents(db, page.id),
    db
      .select()
      .from(statusIncidents)
      .where(and(eq(statusIncidents.pageId, page.id), isNull(statusIncidents.resolvedAt)))
      .orderBy(desc(statusIncidents.id))
      .limit(100),
  ]);
  return { page, groups, components, open: await withDetails(db, open) };
}

export const unresolvedIncidents = (s: Snapshot) => s.open.filter((i) => i.kind === "incident");
export const activeMaintenance = (s: Snapshot) =>
  s.open.filter((i) => i.kind === "maintenance" && (i.status === "in_progress" || i.status === "verifying"));
export const upcomingMaintenance = (s: Snapshot) =>
  s.open
    .filter((i) => i.kind === "maintenance" && i.status === "scheduled")
    .sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0));

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
    .where(and(eq(statusIncidents.pageId, pageId), inArray(statusIncidents.kind, kinds)))
    .orderBy(desc(statusIncidents.startedAt), desc(statusIncidents.id))
    .limit(limit);
  return withDetails(db, rows);
}

export type ComponentUptime = { id: string; name: string; uptime: number | null; days: UptimeDay[] };

/** 90 days of uptime for every component of the page, with the weights used. */
export async function pageUptime(db: Db, s: Snapshot, now: number) {
  const from = startOfUtcDay(now) - (UPTIME_DAYS - 1) * DAY_MS;
  const history = await pageHistory(db, s.page.id, from);
  const components: ComponentUptime[] = s.components.map((c) => {
    const u = uptimeDays(history.get(c.id) ?? [], { now, partialWeight: s.page.partialWeight });
    return { id: c.id, name: c.name, uptime: u.uptime, days: u.days };
  });
  return {
    days: UPTIME_DAYS,
    weights: {
      major_outage: 1,
      partial_outage: s.page.partialWeight,
      degraded_performance: 0,
      operational: 0,
      under_maintenance: null,
    },
    note: "Share of each day counted as down per status; under_maintenance minutes are left out of the day.",
    components,
  };
}
