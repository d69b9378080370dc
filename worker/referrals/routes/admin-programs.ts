// /api/v1 operations on programs, their referrers and links.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, page, problemContent, toPage } from "../../lib/openapi.ts";
import { invalidateAllLinks, invalidateLink } from "../link-cache.ts";
import { linkUrl, linkView } from "../link-view.ts";
import {
  CampaignLinkBody,
  EnrollBody,
  IdParams,
  LinkPatch,
  LinkQuery,
  LinkSchema,
  ProgramBody,
  ProgramPatch,
  ProgramQuery,
  ProgramSchema,
  ReferrerQuery,
  ReferrerRowSchema,
  ReferrerSchema,
} from "../schemas.ts";
import { createCampaignLink, listLinks, updateLink } from "../store/links.ts";
import { createProgram, getProgramOrThrow, listPrograms, updateProgram } from "../store/programs.ts";
import { enrollReferrer, listReferrers } from "../store/referrers.ts";

export const programRoutes = newRouter();
const op = adminOps(programRoutes, "referrals", ["Referrals"]);

const invalid = problemContent("Invalid");
const notFound = problemContent("Not found");
const noProgram = problemContent("No such program");

// POST /api/v1/programs — create a program
op(
  {
    method: "post",
    path: "/api/v1/programs",
    summary: "Create a referral program",
    request: { body: jsonBody(ProgramBody) },
    responses: { 201: jsonContent(ProgramSchema, "Created"), 400: invalid },
  },
  async (c) => c.json(await createProgram(getDb(c.env.DB), c.req.valid("json")), 201),
);

// GET /api/v1/programs — list programs
op(
  {
    method: "get",
    path: "/api/v1/programs",
    summary: "List programs",
    request: { query: ProgramQuery },
    responses: { 200: jsonContent(page(ProgramSchema), "Programs, newest first") },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listPrograms(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/programs/:id — one program
op(
  {
    method: "get",
    path: "/api/v1/programs/{id}",
    summary: "Get a program",
    request: { params: IdParams },
    responses: { 200: jsonContent(ProgramSchema, "The program"), 404: notFound },
  },
  async (c) => c.json(await getProgramOrThrow(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// PATCH /api/v1/programs/:id — change or archive a program
op(
  {
    method: "patch",
    path: "/api/v1/programs/{id}",
    summary: "Update or archive a program",
    request: { params: IdParams, body: jsonBody(ProgramPatch) },
    responses: { 200: jsonContent(ProgramSchema, "Updated"), 400: invalid, 404: notFound },
  },
  async (c) => {
    const row = await updateProgram(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"));
    invalidateAllLinks();
    return c.json(row, 200);
  },
);

// POST /api/v1/programs/:id/referrers — enroll a customer (idempotent)
op(
  {
    method: "post",
    path: "/api/v1/programs/{id}/referrers",
    summary: "Enroll a referrer",
    description: "Idempotent: enrolling the same customer again returns the same referrer and code.",
    request: { params: IdParams, body: jsonBody(EnrollBody) },
    responses: {
      200: jsonContent(ReferrerSchema, "The referrer and their link"),
      400: invalid,
      404: noProgram,
      409: problemContent("The program is archived"),
    },
  },
  async (c) => {
    const r = await enrollReferrer(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json").customer);
    return c.json({ ...r, url: linkUrl(c.env.PUBLIC_URL, r.code) }, 200);
  },
);

// GET /api/v1/programs/:id/referrers — referrers with their counts (recent or top)
op(
  {
    method: "get",
    path: "/api/v1/programs/{id}/referrers",
    summary: "List referrers",
    request: { params: IdParams, query: ReferrerQuery },
    responses: { 200: jsonContent(page(ReferrerRowSchema), "Referrers"), 404: noProgram },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listReferrers(db, program.id, q);
    const data = rows.map((r) => ({ ...r, url: linkUrl(c.env.PUBLIC_URL, r.code) }));
    return c.json(q.sort === "top" ? { data: data.slice(0, q.limit), nextCursor: null } : toPage(data, q.limit), 200);
  },
);

// POST /api/v1/programs/:id/links — a campaign link
op(
  {
    method: "post",
    path: "/api/v1/programs/{id}/links",
    summary: "Create a campaign link",
    description: "The destination is checked against the program's allowed hosts now, not at redirect time.",
    request: { params: IdParams, body: jsonBody(CampaignLinkBody) },
    responses: {
      201: jsonContent(LinkSchema, "Created"),
      400: problemContent("Invalid or not allowed destination"),
      404: noProgram,
      409: problemContent("Code taken"),
    },
  },
  async (c) => {
    const { link, program } = await createCampaignLink(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"));
    invalidateLink(link.code); // a cached "unknown code" must not outlive its creation
    return c.json(linkView(link, c.env.PUBLIC_URL, program), 201);
  },
);

// GET /api/v1/links — links, filtered by program and kind
op(
  {
    method: "get",
    path: "/api/v1/links",
    summary: "List links",
    request: { query: LinkQuery },
    responses: { 200: jsonContent(page(LinkSchema), "Links, newest first") },
  },
  async (c) => {
    const q = c.req.valid("query");
    const p = toPage(await listLinks(getDb(c.env.DB), q), q.limit);
    return c.json({ ...p, data: p.data.map(({ program, ...l }) => linkView(l, c.env.PUBLIC_URL, program)) }, 200);
  },
);

// PATCH /api/v1/links/:id — change a link's destination, UTM or disable it
op(
  {
    method: "patch",
    path: "/api/v1/links/{id}",
    summary: "Update or disable a link",
    request: { params: IdParams, body: jsonBody(LinkPatch) },
    responses: { 200: jsonContent(LinkSchema, "Updated"), 400: invalid, 404: notFound },
  },
  async (c) => {
    const { link, program } = await updateLink(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"));
    invalidateLink(link.code);
    return c.json(linkView(link, c.env.PUBLIC_URL, program), 200);
  },
);
