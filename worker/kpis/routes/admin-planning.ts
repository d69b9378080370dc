// /api/v1/kpis/settings, /targets, /spend and /audits — what marketers set: how KPIs are computed,
// where each should end the quarter, what was spent, and the quarterly pillar audit.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent, z } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import {
  AuditEvidenceSchema,
  AuditSchema,
  deleted,
  invalid,
  KpiSettingsSchema,
  PutAuditBody,
  PutSpendBody,
  PutTargetBody,
  QuarterParams,
  QuarterQuery,
  SpendParams,
  SpendRowSchema,
  TargetParams,
  TargetRowSchema,
} from "../schemas.ts";
import { auditEvidence, deleteAudit, getAudit, listAudits, putAudit } from "../store/audits.ts";
import { getSettings, putSettings } from "../store/settings.ts";
import { deleteSpend, listSpend, putSpend } from "../store/spend.ts";
import { deleteTarget, listTargets, putTarget } from "../store/targets.ts";

export const planningAdmin = newRouter();
const op = adminOps(planningAdmin, "kpis", ["KPIs"]);

// GET /api/v1/kpis/settings — margin, active window, event names and engagement weights
op(
  {
    method: "get",
    path: "/api/v1/kpis/settings",
    summary: "KPI settings",
    responses: { 200: jsonContent(KpiSettingsSchema, "Settings") },
  },
  async (c) => c.json(await getSettings(getDb(c.env.DB)), 200),
);

// PUT /api/v1/kpis/settings — replace the settings (omitted fields take their defaults)
op(
  {
    method: "put",
    path: "/api/v1/kpis/settings",
    summary: "Change KPI settings",
    description: "Past snapshots keep the values they were computed with; recompute them on purpose if needed.",
    request: { body: jsonBody(KpiSettingsSchema) },
    responses: { 200: jsonContent(KpiSettingsSchema, "Settings"), ...invalid },
  },
  async (c) => c.json(await putSettings(getDb(c.env.DB), c.req.valid("json")), 200),
);

// GET /api/v1/kpis/targets — targets, optionally of one quarter
op(
  {
    method: "get",
    path: "/api/v1/kpis/targets",
    summary: "List targets",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(z.object({ data: z.array(TargetRowSchema) }), "Targets"), ...invalid },
  },
  async (c) => c.json({ data: await listTargets(getDb(c.env.DB), c.req.valid("query").quarter) }, 200),
);

// PUT /api/v1/kpis/targets/{quarter}/{kpi} — set a KPI's target for a quarter
op(
  {
    method: "put",
    path: "/api/v1/kpis/targets/{quarter}/{kpi}",
    summary: "Set a target",
    request: { params: TargetParams, body: jsonBody(PutTargetBody) },
    responses: { 200: jsonContent(TargetRowSchema, "The target"), ...invalid },
  },
  async (c) => {
    const { quarter, kpi } = c.req.valid("param");
    return c.json(await putTarget(getDb(c.env.DB), quarter, kpi, c.req.valid("json")), 200);
  },
);

// DELETE /api/v1/kpis/targets/{quarter}/{kpi}
op(
  {
    method: "delete",
    path: "/api/v1/kpis/targets/{quarter}/{kpi}",
    summary: "Remove a target",
    request: { params: TargetParams },
    responses: deleted,
  },
  async (c) => {
    const { quarter, kpi } = c.req.valid("param");
    if (!(await deleteTarget(getDb(c.env.DB), quarter, kpi))) throw notFound("No target for this KPI and quarter");
    return c.body(null, 204);
  },
);

// GET /api/v1/kpis/spend — marketing spend, optionally of one quarter
op(
  {
    method: "get",
    path: "/api/v1/kpis/spend",
    summary: "List marketing spend",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(z.object({ data: z.array(SpendRowSchema) }), "Spend"), ...invalid },
  },
  async (c) => c.json({ data: await listSpend(getDb(c.env.DB), c.req.valid("query").quarter) }, 200),
);

// PUT /api/v1/kpis/spend/{quarter}/{channel} — enter a channel's spend for a quarter
op(
  {
    method: "put",
    path: "/api/v1/kpis/spend/{quarter}/{channel}",
    summary: "Enter spend",
    request: { params: SpendParams, body: jsonBody(PutSpendBody) },
    responses: { 200: jsonContent(SpendRowSchema, "The spend"), ...invalid },
  },
  async (c) => {
    const { quarter, channel } = c.req.valid("param");
    return c.json(await putSpend(getDb(c.env.DB), quarter, channel, c.req.valid("json")), 200);
  },
);

// DELETE /api/v1/kpis/spend/{quarter}/{channel}
op(
  {
    method: "delete",
    path: "/api/v1/kpis/spend/{quarter}/{channel}",
    summary: "Remove spend",
    request: { params: SpendParams },
    responses: deleted,
  },
  async (c) => {
    const { quarter, channel } = c.req.valid("param");
    if (!(await deleteSpend(getDb(c.env.DB), quarter, channel)))
      throw notFound("No spend for this channel and quarter");
    return c.body(null, 204);
  },
);

// GET /api/v1/kpis/audits — every quarter's pillar audit, newest first
op(
  {
    method: "get",
    path: "/api/v1/kpis/audits",
    summary: "List pillar audits",
    responses: { 200: jsonContent(z.object({ data: z.array(AuditSchema) }), "Audits") },
  },
  async (c) => c.json({ data: await listAudits(getDb(c.env.DB)) }, 200),
);

// GET /api/v1/kpis/audits/{quarter}
op(
  {
    method: "get",
    path: "/api/v1/kpis/audits/{quarter}",
    summary: "A quarter's pillar audit",
    request: { params: QuarterParams },
    responses: { 200: jsonContent(AuditSchema, "The audit"), 404: problemContent("Not audited"), ...invalid },
  },
  async (c) => {
    const audit = await getAudit(getDb(c.env.DB), c.req.valid("param").quarter);
    if (!audit) throw notFound("This quarter has no audit");
    return c.json(audit, 200);
  },
);

// GET /api/v1/kpis/audits/{quarter}/evidence — each pillar's KPIs and the score they suggest
op(
  {
    method: "get",
    path: "/api/v1/kpis/audits/{quarter}/evidence",
    summary: "The KPIs behind each pillar and a suggested score",
    request: { params: QuarterParams },
    responses: { 200: jsonContent(AuditEvidenceSchema, "The evidence"), ...invalid },
  },
  async (c) => c.json(await auditEvidence(getDb(c.env.DB), c.req.valid("param").quarter, Date.now()), 200),
);

// PUT /api/v1/kpis/audits/{quarter} — score the five pillars 1-5
op(
  {
    method: "put",
    path: "/api/v1/kpis/audits/{quarter}",
    summary: "Run the pillar audit",
    request: { params: QuarterParams, body: jsonBody(PutAuditBody) },
    responses: { 200: jsonContent(AuditSchema, "The audit"), ...invalid },
  },
  async (c) => c.json(await putAudit(getDb(c.env.DB), c.req.valid("param").quarter, c.req.valid("json").pillars), 200),
);

// DELETE /api/v1/kpis/audits/{quarter}
op(
  {
    method: "delete",
    path: "/api/v1/kpis/audits/{quarter}",
    summary: "Remove a quarter's audit",
    request: { params: QuarterParams },
    responses: deleted,
  },
  async (c) => {
    if (!(await deleteAudit(getDb(c.env.DB), c.req.valid("param").quarter)))
      throw notFound("This quarter has no audit");
    return c.body(null, 204);
  },
);
