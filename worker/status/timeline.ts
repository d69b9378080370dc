// What an incident's timeline decides: its impact, the statuses an update gives its components,
// and the incident's own fields after the update.
import {
  type AffectedComponent,
  type ComponentStatus,
  type EventStatus,
  IMPACTS,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
} from "../../db/schema/index.ts";
import { badRequest } from "../lib/problem.ts";
import type { ComponentTarget, Impact, Incident, StatusChange } from "./types.ts";

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

export const isDone = (s: EventStatus) => s === "resolved" || s === "completed";

/** A 400 unless `status` is one an update of this kind takes. */
export function updateStatusOrThrow(kind: Incident["kind"], status: EventStatus): void {
  const allowed: readonly string[] = kind === "incident" ? INCIDENT_STATUSES : MAINTENANCE_STATUSES;
  if (!allowed.includes(status)) {
    throw badRequest(`A ${kind} update takes one of: ${allowed.join(", ")}`, [
      { path: "body.status", message: `not a ${kind} status` },
    ]);
  }
}

/** Whether an update with `status` resolves the incident (or completes maintenance) now. */
export const closes = (incident: Incident, status: EventStatus) => isDone(status) && !isDone(incident.status);

/**
 * The status each component takes from an update: those it names take theirs; when it resolves
 * the incident, the rest of its components return to operational unless another open incident or
 * maintenance in progress `held` them; maintenance going in progress puts its components under
 * maintenance.
 */
export function componentTargets(
  incident: Incident,
  status: EventStatus,
  linked: string[],
  named: ComponentTarget[],
  held: Set<string>,
): Map<string, ComponentStatus> {
  const target = new Map(named.map((c) => [c.id, c.status]));
  for (const id of linked) {
    if (target.has(id)) continue;
    if (closes(incident, status)) {
      if (!held.has(id)) target.set(id, "operational");
    } else if (incident.kind === "maintenance" && status === "in_progress") target.set(id, "under_maintenance");
  }
  return target;
}

/** The incident's fields after an update shown at `displayAt`. */
export function incidentPatch(
  incident: Incident,
  body: { status: EventStatus; impact?: Impact },
  displayAt: number,
  now: number,
): Partial<Incident> {
  const done = isDone(body.status);
  const patch: Partial<Incident> = { status: body.status, updatedAt: now };
  if (body.impact) patch.impact = body.impact;
  if (body.status === "monitoring" && !incident.monitoringAt) patch.monitoringAt = displayAt;
  if (done) patch.resolvedAt = incident.resolvedAt ?? displayAt;
  if (!done && isDone(incident.status)) patch.resolvedAt = null;
  if (incident.kind === "maintenance" && body.status === "in_progress" && incident.status === "scheduled") {
    patch.startedAt = displayAt;
  }
  return patch;
}

/** Components an update names, as Statuspage's `affected_components`. */
export function affected(changes: StatusChange[]): AffectedComponent[] {
  return changes.map(({ component, to }) => ({
    code: component.id,
    name: component.name,
    old_status: component.status,
    new_status: to,
  }));
}

/** Whether an incident pauses marketing email: open, major or critical, on a page that pauses it. */
export const pausesMarketing = (
  page: { pausesMarketing: boolean },
  i: Pick<Incident, "kind" | "impact" | "resolvedAt">,
): boolean => page.pausesMarketing && isSevere(i) && !i.resolvedAt;

/** An incident of impact major or critical. */
export const isSevere = (i: Pick<Incident, "kind" | "impact">) =>
  i.kind === "incident" && (i.impact === "major" || i.impact === "critical");
