// Admin API of status pages, their component groups and components (scope `status`).
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent, z } from "../../lib/openapi.ts";
import {
  createComponent,
  createGroup,
  createPage,
  deleteComponent,
  deleteGroup,
  updateComponent,
  updateGroup,
  updatePage,
} from "../pages.ts";
import {
  ComponentSchema,
  CreateComponentBody,
  CreateGroupBody,
  CreatePageBody,
  GroupSchema,
  IdParams,
  invalid,
  missing,
  PageIdParams,
  StatusPageSchema,
  UpdateComponentBody,
  UpdateGroupBody,
  UpdatePageBody,
} from "../schemas.ts";
import { getComponentOrThrow, getGroupOrThrow, listComponents, listGroups } from "../store/components.ts";
import { getPageOrThrow, listPages } from "../store/pages.ts";
import type { Component, Group, Page } from "../types.ts";

export const adminPages = newRouter();
const op = adminOps(adminPages, "status", ["Status pages"]);
const taken = { 409: problemContent("Slug or domain taken") };

const pageView = (p: Page) => ({
  id: p.id,
  slug: p.slug,
  name: p.name,
  description: p.description,
  partialWeight: p.partialWeight,
  domain: p.domain,
  pausesMarketing: p.pausesMarketing,
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

// GET /api/v1/status/pages — every status page
op(
  {
    method: "get",
    path: "/api/v1/status/pages",
    summary: "List status pages",
    responses: { 200: jsonContent(z.object({ data: z.array(StatusPageSchema) }), "Pages") },
  },
  async (c) => c.json({ data: (await listPages(getDb(c.env.DB))).map(pageView) }, 200),
);

// POST /api/v1/status/pages — create a page
op(
  {
    method: "post",
    path: "/api/v1/status/pages",
    summary: "Create a status page",
    request: { body: jsonBody(CreatePageBody) },
    responses: { 201: jsonContent(StatusPageSchema, "The page"), ...invalid, ...taken },
  },
  async (c) => c.json(pageView(await createPage(c.env, getDb(c.env.DB), c.req.valid("json"), Date.now())), 201),
);

// GET /api/v1/status/pages/:pageId — one page
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}",
    summary: "Get a status page",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(StatusPageSchema, "The page"), ...missing("page") },
  },
  async (c) => c.json(pageView(await getPageOrThrow(getDb(c.env.DB), c.req.valid("param").pageId)), 200),
);

// PATCH /api/v1/status/pages/:pageId — rename, change slug, domain or uptime weight
op(
  {
    method: "patch",
    path: "/api/v1/status/pages/{pageId}",
    summary: "Update a status page",
    request: { params: PageIdParams, body: jsonBody(UpdatePageBody) },
    responses: { 200: jsonContent(StatusPageSchema, "The page"), ...invalid, ...missing("page"), ...taken },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const current = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json(pageView(await updatePage(c.env, db, current, c.req.valid("json"), Date.now())), 200);
  },
);

// GET /api/v1/status/pages/:pageId/groups — component groups in display order
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/groups",
    summary: "List component groups",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(z.object({ data: z.array(GroupSchema) }), "Groups"), ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json({ data: (await listGroups(db, p.id)).map(groupView) }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/groups — add a group
op(
  {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/groups",
    summary: "Create a component group",
    request: { params: PageIdParams, body: jsonBody(CreateGroupBody) },
    responses: { 201: jsonContent(GroupSchema, "The group"), ...invalid, ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json(groupView(await createGroup(c.env, db, p, c.req.valid("json"), Date.now())), 201);
  },
);

// PATCH /api/v1/status/groups/:id — rename or reorder a group
op(
  {
    method: "patch",
    path: "/api/v1/status/groups/{id}",
    summary: "Update a component group",
    request: { params: IdParams, body: jsonBody(UpdateGroupBody) },
    responses: { 200: jsonContent(GroupSchema, "The group"), ...invalid, ...missing("group") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const g = await getGroupOrThrow(db, c.req.valid("param").id);
    return c.json(groupView(await updateGroup(c.env, db, g, c.req.valid("json"), Date.now())), 200);
  },
);

// DELETE /api/v1/status/groups/:id — remove a group; its components stay, ungrouped
op(
  {
    method: "delete",
    path: "/api/v1/status/groups/{id}",
    summary: "Delete a component group",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...missing("group") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    await deleteGroup(c.env, db, await getGroupOrThrow(db, c.req.valid("param").id), Date.now());
    return c.body(null, 204);
  },
);

// GET /api/v1/status/pages/:pageId/components — components in display order
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/components",
    summary: "List components",
    request: { params: PageIdParams },
    responses: { 200: jsonContent(z.object({ data: z.array(ComponentSchema) }), "Components"), ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json({ data: (await listComponents(db, p.id)).map(componentView) }, 200);
  },
);

// POST /api/v1/status/pages/:pageId/components — add a component (its first status starts its history)
op(
  {
    method: "post",
    path: "/api/v1/status/pages/{pageId}/components",
    summary: "Create a component",
    request: { params: PageIdParams, body: jsonBody(CreateComponentBody) },
    responses: { 201: jsonContent(ComponentSchema, "The component"), ...invalid, ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    return c.json(componentView(await createComponent(c.env, db, p, c.req.valid("json"), Date.now())), 201);
  },
);

// PATCH /api/v1/status/components/:id — rename, regroup, reorder or set its status
op(
  {
    method: "patch",
    path: "/api/v1/status/components/{id}",
    summary: "Update a component",
    description: "A status change is recorded in the component's history and announced (`component.status_changed`).",
    request: { params: IdParams, body: jsonBody(UpdateComponentBody) },
    responses: { 200: jsonContent(ComponentSchema, "The component"), ...invalid, ...missing("component") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const comp = await getComponentOrThrow(db, c.req.valid("param").id);
    return c.json(componentView(await updateComponent(c.env, db, comp, c.req.valid("json"), Date.now())), 200);
  },
);

// DELETE /api/v1/status/components/:id — remove a component from its page (and its monitors; history stays)
op(
  {
    method: "delete",
    path: "/api/v1/status/components/{id}",
    summary: "Delete a component",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...missing("component") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    await deleteComponent(c.env, db, await getComponentOrThrow(db, c.req.valid("param").id), Date.now());
    return c.body(null, 204);
  },
);
