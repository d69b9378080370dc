// Incidents and scheduled maintenance: opening, updating and closing them, and their postmortems.
import type { Db } from "../lib/db.ts";
import { conflict } from "../lib/problem.ts";
import { commit, isUniqueViolation } from "./commit.ts";
import type {
  CreateIncidentInput,
  CreateMaintenanceInput,
  IncidentUpdateInput,
  PostmortemInput,
  ResolveInput,
} from "./schemas.ts";
import {
  getIncident,
  getIncidentView,
  planCreateIncident,
  planCreateMaintenance,
  planPostmortem,
  planUpdate,
} from "./store/incidents.ts";
import type { Incident, IncidentView, Page } from "./types.ts";

/** Opens an incident: sets the affected components' statuses and announces `incident.created`. */
export async function openIncident(env: Env, db: Db, page: Page, input: CreateIncidentInput, now: number) {
  const plan = await planCreateIncident(db, page.id, input, now);
  await commit(env, db, page.id, plan.statements, now);
  return getIncidentView(db, plan.incidentId);
}

export async function scheduleMaintenance(env: Env, db: Db, page: Page, input: CreateMaintenanceInput, now: number) {
  const plan = await planCreateMaintenance(db, page.id, input, now);
  await commit(env, db, page.id, plan.statements, now);
  return getIncidentView(db, plan.incidentId);
}

export async function postUpdate(
  env: Env,
  db: Db,
  incident: Incident,
  input: IncidentUpdateInput,
  now: number,
): Promise<IncidentView> {
  await commit(env, db, incident.pageId, await planUpdate(db, incident, input, now), now);
  return getIncidentView(db, incident.id);
}

/** Resolves an incident or completes maintenance; its components return to operational. */
export async function resolveIncident(env: Env, db: Db, incident: Incident, input: ResolveInput, now: number) {
  if (incident.resolvedAt) throw conflict("Already resolved");
  const maintenance = incident.kind === "maintenance";
  return postUpdate(
    env,
    db,
    incident,
    {
      status: maintenance ? "completed" : "resolved",
      body: input.body ?? (maintenance ? "The maintenance is complete." : "This incident has been resolved."),
      displayAt: input.displayAt,
    },
    now,
  );
}

/** Writes (and publishes, or keeps as a draft) the postmortem of a resolved incident. */
export async function writePostmortem(env: Env, db: Db, incident: Incident, input: PostmortemInput, now: number) {
  await commit(env, db, incident.pageId, planPostmortem(db, incident, input, now), now);
  return getIncidentView(db, incident.id);
}

/** Moves maintenance to `to` unless it already moved; the update's fixed id makes a replay fail as a whole. */
export async function transitionMaintenance(
  env: Env,
  db: Db,
  id: string,
  to: "in_progress" | "completed",
  now: number,
) {
  const m = await getIncident(db, id);
  const from = to === "in_progress" ? ["scheduled"] : ["in_progress", "verifying"];
  if (m?.kind !== "maintenance" || m.resolvedAt || !from.includes(m.status)) return "stale";
  const body =
    to === "in_progress" ? "The scheduled maintenance has started." : "The scheduled maintenance is complete.";
  const statements = await planUpdate(db, m, { status: to, body }, now, { updateId: `upd_${id}_${to}` });
  try {
    await commit(env, db, m.pageId, statements, now);
    return "moved";
  } catch (e) {
    if (isUniqueViolation(e)) return "stale";
    throw e;
  }
}
