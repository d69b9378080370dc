// Admin API of status pages (scope `status`).
import { eq } from "drizzle-orm";
import { statusComponents, statusGroups, statusMonitors, statusPages } from "../../../db/schema/index.ts";
import { changesOf, getDb } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { adminRoute, jsonBody, jsonContent, newRouter, page, problemContent, toPage, z } from "../../lib/openapi.ts";
import { conflict } from "../../lib/problem.ts";
import { purgePage } from "../cache.ts";
import {
  ComponentSchema,
  CreateComponentBody,
  CreateGroupBody,
  CreateIncidentBody,
  CreateMaintenanceBody,
  CreatePageBody,
  GroupSchema,
  IdParams,
  IncidentListQuery,
  IncidentSchema,
  IncidentUpdateBody,
  PageIdParams,
  PostmortemBody,
  ResolveBody,
  StatusPageSchema,
  UpdateComponentBody,
  UpdateGroupBody,
  UpdatePageBody,
} from "../schemas.ts";
import {
  getIncidentOrThrow,
  getIncidentView,
  type IncidentView,
  listIncidents,
  planCreateIncident,
  planCreateMaintenance,
  planPostmortem,
  planUpdate,
  withDetails,
} from "../store/incidents.ts";
import {
  type Component,
  commit,
  domainFreeOrThrow,
  type Group,
  getComponentOrThrow,
  getGroupOrThrow,
  getPageBySlug,
  getPageOrThrow,
  groupOnPageOrThrow,
  historyStatement,
  isUniqueViolation,
  listComponents,
  listGroups,
  listPages,
  type Page,
  statusChangeStatements,
} from "../store/pages.ts";

export const adminRoutes = newRouter();

/** Two writes raced for one slug or domain: the unique index decided. */
const takenOrThrow = (e: unknown): never => {
  throw isUniqueViolation(e) ? conflict("Another status page already uses this slug or domain") : e;
};
const tags = ["Status pages"];
const invalid = { 400: problemContent("Invalid") };
const missing = (what: string) => ({ 404: problemContent(`No such ${what}`) });

const pageView = (p: Page) => ({
  id: p.id,
  slug: p.slug,
  name: p.name,
  description: p.description,
  partialWeight: p.partialWeight,
  domain: p.domain,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});
const groupView = (g: Group) => ({ id: g.id, pageId: g.pageId, name: g.name, position: g.position });
const componentView = (c: Component) => ({
  id: c.id,
  pageId: c.pageId,
  groupId: c.groupId,
  name: c.name,
  description: c.description,
  position: c.position,
  status: c.status,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
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

// GET /api/v1/status/pages — every status page
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages",
    tags,
    summary: "List status pages",
    responses: { 200: jsonContent(z.object({ data: z.array(StatusPageSchema) }), "Pages") },
  }),
  async (c) => c.json({ data: (await listPages(getDb(c.env.DB))).map(pageView) }, 200),
);

// POST /api/v1/status/pages — create a page
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/pages",
    tags,
    summary: "Create a status page",
    request: { body: jsonBody(CreatePageBody) },
    responses: {
      201: jsonContent(StatusPageSchema, "The page"),
      ...invalid,
      409: problemContent("Slug or domain taken"),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const db = getDb(c.env.DB);
    if (await getPageBySlug(db, input.slug)) throw conflict("A page already uses this slug", { slug: input.slug });
    if (input.domain) await domainFreeOrThrow(db, input.domain, c.env.PUBLIC_URL);
    const now = Date.now();
    const [row] = await db
      .insert(statusPages)
      .values({ id: newId("stp", now), ...input, createdAt: now, updatedAt: now })
      .returning()
      .catch(takenOrThrow);
    purgePage(row.id); // the new domain is served at once
    return c.json(pageView(row), 201);
  },
);

// GET /api/v1/status/pages/:pageId — one page
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}",
    tags,
    summary: "Get a status page",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(StatusPageSchema, "The page"), ...missing("page") },
  }),
  async (c) => c.json(pageView(await getPageOrThrow(getDb(c.env.DB), c.req.valid("param").pageId)), 200),
);

// PATCH /api/v1/status/pages/:pageId — rename, change slug, domain or uptime weight
adminRoutes.openapi(
  adminRoute("status", {
    method: "patch",
    path: "/api/v1/status/pages/{pageId}",
    tags,
    summary: "Update a status page",
    request: { params: PageIdParams, body: jsonBody(UpdatePageBody) },
    responses: {
      200: jsonContent(StatusPageSchema, "The page"),
      ...invalid,
      ...missing("page"),
      409: problemContent("Slug or domain taken"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const current = await getPageOrThrow(db, c.req.valid("param").pageId);
    const input = c.req.valid("json");
    if (input.slug && input.slug !== current.slug && (await getPageBySlug(db, input.slug))) {
      throw conflict("A page already uses this slug", { slug: input.slug });
    }
    if (input.domain) await domainFreeOrThrow(db, input.domain, c.env.PUBLIC_URL, current.id);
    const set = changesOf(input);
    if (set) {
      const now = Date.now();
      await commit(
        c.env,
        db,
        current.id,
        [db.update(statusPages).set(set).where(eq(statusPages.id, current.id))],
        now,
      ).catch(takenOrThrow);
    }
    return c.json(pageView(await getPageOrThrow(db, current.id)), 200);
  },
);

// GET /api/v1/status/pages/:pageId/groups — component groups in display order
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/groups",
    tags,
    summary: "List component groups",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(z.object({ data: z.array(GroupSchema) }), "Groups"), ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json({ data: (await listGroups(db, p.id)).map(groupView) }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/groups — add a group
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/groups",
    tags,
    summary: "Create a component group",
    request: { params: PageIdParams, body: jsonBody(CreateGroupBody) },
    responses: { 201: jsonContent(GroupSchema, "The group"), ...invalid, ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const now = Date.now();
    const row = {
      id: newId("stg", now),
      pageId: p.id,
      position: 0,
      ...c.req.valid("json"),
      createdAt: now,
      updatedAt: now,
    };
    await commit(c.env, db, p.id, [db.insert(statusGroups).values(row)], now);
    return c.json(groupView(row), 201);
  },
);

// PATCH /api/v1/status/groups/:id — rename or reorder a group
adminRoutes.openapi(
  adminRoute("status", {
    method: "patch",
    path: "/api/v1/status/groups/{id}",
    tags,
    summary: "Update a component group",
    request: { params: IdParams, body: jsonBody(UpdateGroupBody) },
    responses: { 200: jsonContent(GroupSchema, "The group"), ...invalid, ...missing("group") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const g = await getGroupOrThrow(db, c.req.valid("param").id);
    const input = c.req.valid("json");
    if (changesOf(input)) {
      const now = Date.now();
      const update = db
        .update(statusGroups)
        .set({ ...input, updatedAt: now })
        .where(eq(statusGroups.id, g.id));
      await commit(c.env, db, g.pageId, [update], now);
    }
    return c.json(groupView({ ...g, ...input }), 200);
  },
);

// DELETE /api/v1/status/groups/:id — remove a group; its components stay, ungrouped
adminRoutes.openapi(
  adminRoute("status", {
    method: "delete",
    path: "/api/v1/status/groups/{id}",
    tags,
    summary: "Delete a component group",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...missing("group") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const g = await getGroupOrThrow(db, c.req.valid("param").id);
    await commit(
      c.env,
      db,
      g.pageId,
      [
        db.update(statusComponents).set({ groupId: null }).where(eq(statusComponents.groupId, g.id)),
        db.delete(statusGroups).where(eq(statusGroups.id, g.id)),
      ],
      Date.now(),
    );
    return c.body(null, 204);
  },
);

// GET /api/v1/status/pages/:pageId/components — components in display order
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/components",
    tags,
    summary: "List components",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(z.object({ data: z.array(ComponentSchema) }), "Components"), ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json({ data: (await listComponents(db, p.id)).map(componentView) }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/components — add a component (its first status starts its history)
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/components",
    tags,
    summary: "Create a component",
    request: { params: PageIdParams, body: jsonBody(CreateComponentBody) },
    responses: { 201: jsonContent(ComponentSchema, "The component"), ...invalid, ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const input = c.req.valid("json");
    await groupOnPageOrThrow(db, p.id, input.groupId);
    const now = Date.now();
    const status = input.status ?? "operational";
    const row: Component = {
      id: newId("cmp", now),
      pageId: p.id,
      groupId: input.groupId ?? null,
      name: input.name,
      description: input.description ?? null,
      position: input.position ?? 0,
      status,
      createdAt: now,
      updatedAt: now,
    };
    await commit(
      c.env,
      db,
      p.id,
      [db.insert(statusComponents).values(row), historyStatement(db, row.id, status, { now, source: "manual" })],
      now,
    );
    return c.json(componentView(row), 201);
  },
);

// PATCH /api/v1/status/components/:id — rename, regroup, reorder or set its status
adminRoutes.openapi(
  adminRoute("status", {
    method: "patch",
    path: "/api/v1/status/components/{id}",
    tags,
    summary: "Update a component",
    description: "A status change is recorded in the component's history and announced (`component.status_changed`).",
    request: { params: IdParams, body: jsonBody(UpdateComponentBody) },
    responses: { 200: jsonContent(ComponentSchema, "The component"), ...invalid, ...missing("component") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const comp = await getComponentOrThrow(db, c.req.valid("param").id);
    const { status, ...rest } = c.req.valid("json");
    if (rest.groupId) await groupOnPageOrThrow(db, comp.pageId, rest.groupId);
    const now = Date.now();
    const statements = [
      ...(changesOf(rest)
        ? [
            db
              .update(statusComponents)
              .set({ ...rest, updatedAt: now })
              .where(eq(statusComponents.id, comp.id)),
          ]
        : []),
      ...(status ? statusChangeStatements(db, [{ component: comp, to: status }], { now, source: "manual" }) : []),
    ];
    if (statements.length) await commit(c.env, db, comp.pageId, statements, now);
    return c.json(componentView(await getComponentOrThrow(db, comp.id)), 200);
  },
);

// DELETE /api/v1/status/components/:id — remove a component from its page (and its monitors; history stays)
adminRoutes.openapi(
  adminRoute("status", {
    method: "delete",
    path: "/api/v1/status/components/{id}",
    tags,
    summary: "Delete a component",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...missing("component") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const comp = await getComponentOrThrow(db, c.req.valid("param").id);
    await commit(
      c.env,
      db,
      comp.pageId,
      [
        db.delete(statusMonitors).where(eq(statusMonitors.componentId, comp.id)),
        db.delete(statusComponents).where(eq(statusComponents.id, comp.id)),
      ],
      Date.now(),
    );
    return c.body(null, 204);
  },
);

// GET /api/v1/status/pages/:pageId/incidents — incidents and maintenance, newest first
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/incidents",
    tags,
    summary: "List incidents and maintenance",
    request: { params: PageIdParams, query: IncidentListQuery },
    responses: { 200: jsonContent(page(IncidentSchema), "Incidents"), ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const q = c.req.valid("query");
    const rows = await listIncidents(db, p.id, { ...q, limit: q.limit + 1 });
    const paged = toPage(rows, q.limit);
    return c.json({ data: (await withDetails(db, paged.data)).map(incidentView), nextCursor: paged.nextCursor }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/incidents — open an incident
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/incidents",
    tags,
    summary: "Create an incident",
    description: "Sets the affected components' statuses and announces `incident.created`.",
    request: { params: PageIdParams, body: jsonBody(CreateIncidentBody) },
    responses: { 201: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const now = Date.now();
    const plan = await planCreateIncident(db, p.id, c.req.valid("json"), now);
    await commit(c.env, db, p.id, plan.statements, now);
    return c.json(incidentView(await getIncidentView(db, plan.incidentId)), 201);
  },
);

// POST /api/v1/status/pages/:pageId/maintenance — schedule maintenance
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/maintenance",
    tags,
    summary: "Schedule maintenance",
    description: "With `autoTransition`, cron starts and completes it at the window's edges.",
    request: { params: PageIdParams, body: jsonBody(CreateMaintenanceBody) },
    responses: { 201: jsonContent(IncidentSchema, "The maintenance"), ...invalid, ...missing("page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const now = Date.now();
    const plan = await planCreateMaintenance(db, p.id, c.req.valid("json"), now);
    await commit(c.env, db, p.id, plan.statements, now);
    return c.json(incidentView(await getIncidentView(db, plan.incidentId)), 201);
  },
);

// GET /api/v1/status/incidents/:id — one incident or maintenance with its timeline
adminRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/incidents/{id}",
    tags,
    summary: "Get an incident or maintenance",
    request: { params: IdParams },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...missing("incident") },
  }),
  async (c) => c.json(incidentView(await getIncidentView(getDb(c.env.DB), c.req.valid("param").id)), 200),
);

// POST /api/v1/status/incidents/:id/updates — post a timeline update
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/incidents/{id}/updates",
    tags,
    summary: "Post an update",
    description:
      "Incidents take investigating, identified, monitoring or resolved; maintenance takes scheduled, in_progress, verifying or completed.",
    request: { params: IdParams, body: jsonBody(IncidentUpdateBody) },
    responses: { 201: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    const now = Date.now();
    await commit(c.env, db, incident.pageId, await planUpdate(db, incident, c.req.valid("json"), now), now);
    return c.json(incidentView(await getIncidentView(db, incident.id)), 201);
  },
);

// POST /api/v1/status/incidents/:id/resolve — resolve (or complete maintenance); components return to operational
adminRoutes.openapi(
  adminRoute("status", {
    method: "post",
    path: "/api/v1/status/incidents/{id}/resolve",
    tags,
    summary: "Resolve an incident or complete maintenance",
    request: { params: IdParams, body: jsonBody(ResolveBody) },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    if (incident.resolvedAt) throw conflict("Already resolved");
    const input = c.req.valid("json");
    const maintenance = incident.kind === "maintenance";
    const now = Date.now();
    const statements = await planUpdate(
      db,
      incident,
      {
        status: maintenance ? "completed" : "resolved",
        body: input.body ?? (maintenance ? "The maintenance is complete." : "This incident has been resolved."),
        displayAt: input.displayAt,
      },
      now,
    );
    await commit(c.env, db, incident.pageId, statements, now);
    return c.json(incidentView(await getIncidentView(db, incident.id)), 200);
  },
);

// PUT /api/v1/status/incidents/:id/postmortem — write (and publish) the postmortem of a resolved incident
adminRoutes.openapi(
  adminRoute("status", {
    method: "put",
    path: "/api/v1/status/incidents/{id}/postmortem",
    tags,
    summary: "Write the postmortem",
    request: { params: IdParams, body: jsonBody(PostmortemBody) },
    responses: { 200: jsonContent(IncidentSchema, "The incident"), ...invalid, ...missing("incident") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const incident = await getIncidentOrThrow(db, c.req.valid("param").id);
    const now = Date.now();
    await commit(c.env, db, incident.pageId, planPostmortem(db, incident, c.req.valid("json"), now), now);
    return c.json(incidentView(await getIncidentView(db, incident.id)), 200);
  },
);
