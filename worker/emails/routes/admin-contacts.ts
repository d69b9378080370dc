// Admin API of emails: contacts (search, detail, timeline, consent, GDPR export and erase).
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, toPage } from "../../lib/openapi.ts";
import { eraseEverywhere } from "../erase.ts";
import {
  ConsentBody,
  ContactDetailSchema,
  ContactExport,
  ContactPage,
  ContactSearchQuery,
  Erased,
  IdParam,
  TimelinePage,
  TimelineQuery,
} from "../schemas.ts";
import { contactDetail, exportContact, searchContacts, timeline } from "../store/contacts.ts";
import { setConsent } from "../store/profiles.ts";
import { invalid, missing } from "./refusals.ts";

export const contactRoutes = newRouter();
const op = adminOps(contactRoutes, "emails", ["emails: contacts"]);

// GET /api/v1/contacts — search by email or external id prefix
op(
  {
    method: "get",
    path: "/api/v1/contacts",
    summary: "Search contacts",
    request: { query: ContactSearchQuery },
    responses: { 200: jsonContent(ContactPage, "Contacts"), ...invalid },
  },
  async (c) => {
    const q = c.req.valid("query");
    const rows = await searchContacts(getDb(c.env.DB), q);
    return c.json(q.q ? { data: rows, nextCursor: null } : toPage(rows, q.limit), 200);
  },
);

// GET /api/v1/contacts/:id — consent, aggregates, churn risk
op(
  {
    method: "get",
    path: "/api/v1/contacts/{id}",
    summary: "A contact as emails sees it",
    request: { params: IdParam },
    responses: { 200: jsonContent(ContactDetailSchema, "The contact"), ...missing },
  },
  async (c) => c.json(await contactDetail(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// GET /api/v1/contacts/:id/timeline — events and messages, newest first
op(
  {
    method: "get",
    path: "/api/v1/contacts/{id}/timeline",
    summary: "Timeline of events and messages",
    request: { params: IdParam, query: TimelineQuery },
    responses: { 200: jsonContent(TimelinePage, "Timeline"), ...invalid, ...missing },
  },
  async (c) => c.json(await timeline(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("query")), 200),
);

// PUT /api/v1/contacts/:id/consent — set consent per topic (null = never said)
op(
  {
    method: "put",
    path: "/api/v1/contacts/{id}/consent",
    summary: "Set consent per topic",
    request: { params: IdParam, body: jsonBody(ConsentBody) },
    responses: { 200: jsonContent(ContactDetailSchema, "The contact"), ...invalid, ...missing },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const id = c.req.valid("param").id;
    await setConsent(db, id, c.req.valid("json"));
    return c.json(await contactDetail(db, id), 200);
  },
);

// GET /api/v1/contacts/:id/export — GDPR: everything held about the person
op(
  {
    method: "get",
    path: "/api/v1/contacts/{id}/export",
    summary: "Export a contact's data (GDPR)",
    request: { params: IdParam },
    responses: { 200: jsonContent(ContactExport, "Everything Rapport's emails hold about the contact"), ...missing },
  },
  async (c) => {
    const data = await exportContact(getDb(c.env.DB), c.req.valid("param").id);
    c.header("content-disposition", `attachment; filename="contact-${data.contact.id}.json"`);
    return c.json(data, 200);
  },
);

// DELETE /api/v1/contacts/:id — GDPR erase (the archive is scrubbed through the queue); only a suppression hash of the address remains
op(
  {
    method: "delete",
    path: "/api/v1/contacts/{id}",
    summary: "Erase a contact (GDPR)",
    request: { params: IdParam },
    responses: { 200: jsonContent(Erased, "Erased"), ...missing },
  },
  async (c) => c.json(await eraseEverywhere(c.env, getDb(c.env.DB), c.req.valid("param").id), 200),
);
