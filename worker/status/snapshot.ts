// What the public surface of a page shows, and which of its open events go where.
import type { Component, Group, IncidentView, Page } from "./types.ts";

export type Snapshot = {
  page: Page;
  groups: Group[];
  components: Component[];
  /** Open incidents and maintenance not completed, newest first. */
  open: IncidentView[];
};

export const unresolvedIncidents = (s: Snapshot) => s.open.filter((i) => i.kind === "incident");
export const activeMaintenance = (s: Snapshot) =>
  s.open.filter((i) => i.kind === "maintenance" && (i.status === "in_progress" || i.status === "verifying"));
export const upcomingMaintenance = (s: Snapshot) =>
  s.open
    .filter((i) => i.kind === "maintenance" && i.status === "scheduled")
    .sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0));
