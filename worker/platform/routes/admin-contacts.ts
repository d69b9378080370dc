// GDPR across every capability: a contact's export and erase.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { eraseContactGraph, exportContactGraph } from "../gdpr.ts";
import { ContactExport, EraseReportSchema, IdParams } from "../schemas.ts";

export const gdprRoutes = newRouter();
const op = adminOps(gdprRoutes, "admin", ["GDPR"]);
const missing = { 404: problemContent("No such contact") };

// GET /api/v1/contacts/:id/export — everything Rapport holds about the person, a section per capability
op(
  {
    method: "get",
    path: "/api/v1/contacts/{id}/export",
    summary: "Export a contact's data (GDPR)",
    request: { params: IdParams },
    responses: { 200: jsonContent(ContactExport, "Everything Rapport holds about the contact"), ...missing },
  },
  async (c) => {
    const id = c.req.valid("param").id;
    const data = await exportContactGraph(getDb(c.env.DB), id, Date.now());
    c.header("content-disposition", `attachment; filename="contact-${id}.json"`);
    return c.json(data as never, 200);
  },
);

// DELETE /api/v1/contacts/:id — erase everywhere in one transaction; the R2 archive is scrubbed through the queue
op(
  {
    method: "delete",
    path: "/api/v1/contacts/{id}",
    summary: "Erase a contact everywhere (GDPR)",
    description:
      "Deletes or anonymises the person in every capability in one transaction and reports what it did. Votes, NPS scores, conversions and rewards are kept under an opaque contact, so counts and accounting do not change. A second erase is a 404.",
    request: { params: IdParams },
    responses: {
      200: jsonContent(EraseReportSchema, "Erased"),
      ...missing,
      409: problemContent("The contact changed during the erase; nothing was changed"),
    },
  },
  async (c) => c.json(await eraseContactGraph(c.env, getDb(c.env.DB), c.req.valid("param").id, Date.now()), 200),
);
