// Admin API of emails: contacts (search, detail, timeline, consent). GDPR export and erase span
// every capability: the platform serves them.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, toPage } from "../../lib/openapi.ts";
import {
  ConsentBody,
  ContactDetailSchema,
  ContactPage,
  ContactSearchQuery,
  IdParam,
  TimelinePage,
  TimelineQuery,
} from "../schemas.ts";
import { contactDetail, searchContacts, timeline } from "../store/contacts.ts";
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
