// Admin API of incidents and scheduled maintenance (scope `status`).
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, toPage } from "../../lib/openapi.ts";
import { openIncident, postUpdate, resolveIncident, scheduleMaintenance, writePostmortem } from "../incidents.ts";
import {
  CreateIncidentBody,
  CreateMaintenanceBody,
  IdParams,
  IncidentListQuery,
  IncidentSchema,
  IncidentUpdateBody,
  invalid,
  missing,
  PageIdParams,
  PostmortemBody,
  ResolveBody,
} from "../schemas.ts";
import { getIncidentOrThrow, getIncidentView, listIncidents, withDetails } from "../store/incidents.ts";
import { getPageOrThrow } from "../store/pages.ts";
import type { IncidentView } from "../types.ts";

export const adminIncidents = newRouter();
const op = adminOps(adminIncidents, "status", ["Status pages"]);

const incidentView = (i: IncidentView) => ({
  id: i.id,
  pageId: i.pageId,
  kind: i.kind,
  name: i.name,
  status: i.status,
  impact: i.impact,
  startedAt: i.startedAt,
  monitoringAt: i.monitoringAt,
  resolvedAt: i.resolvedAt,
  scheduledFor: i.scheduledFor,
  scheduledUntil: i.scheduledUntil,
  postmortemBody: i.postmortemBody,
  postmortemPublishedAt: i.postmortemPublishedAt,
  monitorId: i.monitorId,
  components: i.components,
  updates: i.updates.map((u) => ({
    id: u.id,
    status: u.status,
    body: u.body,
    displayAt: u.displayAt,
    createdAt: u.createdAt,
    affectedComponents: u.affectedComponents,
  })),
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
});

// GET /api/v1/status/pages/:pageId/incidents — incidents and maintenance, newest first
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/incidents",
    summary: "List incidents and maintenance",
    request: { params: PageIdParams, query: IncidentListQuery },
    responses: { 200: jsonContent(page(IncidentSchema), "Incidents"), ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const q = c.req.valid("query");
    const paged = toPage(await listIncidents(db, p.id, { ...q, limit: q.limit + 1 }), q.limit);
    return c.json({ data: (await withDetails(db, paged.data)).map(incidentView), nextCursor: paged.nextCursor }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/incidents — open an incident
op(
  {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/incidents",
    summary: "Create an incident",
    description: "Sets the affected components' statuses and announces `incident.created`.",
    request: { params: PageIdParams, body: jsonBody(CreateIncidentBody) },
    responses: { 201: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json(incidentView(await openIncident(c.env, db, p, c.req.valid("json"), Date.now())), 201);
  },
);

// POST /api/v1/status/pages/:pageId/maintenance — schedule maintenance
op(
  {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/maintenance",
    summary: "Schedule maintenance",
    description: "With `autoTransition`, cron starts and completes it at the window's edges.",
    request: { params: PageIdParams, body: jsonBody(CreateMaintenanceBody) },
    responses: { 201: jsonContent(IncidentSchema, "The maintenance"), ...invalid, ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json(incidentView(await scheduleMaintenance(c.env, db, p, c.req.valid("json"), Date.now())), 201);
  },
);

// GET /api/v1/status/incidents/:id — one incident or maintenance with its timeline
op(
  {
    method: "get",
    path: "/api/v1/status/incidents/{id}",
    summary: "Get an incident or maintenance",
    request: { params: IdParams },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...missing("incident") },
  },
  async (c) => c.json(incidentView(await getIncidentView(getDb(c.env.DB), c.req.valid("param").id)), 200),
);

// POST /api/v1/status/incidents/:id/updates — post a timeline update
op(
  {
    method: "post",
    path: "/api/v1/status/incidents/{id}/updates",
    summary: "Post an update",
    description:
      "Incidents take investigating, identified, monitoring or resolved; maintenance takes scheduled, in_progress, verifying or completed.",
    request: { params: IdParams, body: jsonBody(IncidentUpdateBody) },
    responses: { 201: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    return c.json(incidentView(await postUpdate(c.env, db, incident, c.req.valid("json"), Date.now())), 201);
  },
);

// POST /api/v1/status/incidents/:id/resolve — resolve (or complete maintenance); components return to operational
op(
  {
    method: "post",
    path: "/api/v1/status/incidents/{id}/resolve",
    summary: "Resolve an incident or complete maintenance",
    request: { params: IdParams, body: jsonBody(ResolveBody) },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    return c.json(incidentView(await resolveIncident(c.env, db, incident, c.req.valid("json"), Date.now())), 200);
  },
);

// PUT /api/v1/status/incidents/:id/postmortem — write (and publish) the postmortem of a resolved incident
op(
  {
    method: "put",
    path: "/api/v1/status/incidents/{id}/postmortem",
    summary: "Write the postmortem",
    request: { params: IdParams, body: jsonBody(PostmortemBody) },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    return c.json(incidentView(await writePostmortem(c.env, db, incident, c.req.valid("json"), Date.now())), 200);
  },
);
