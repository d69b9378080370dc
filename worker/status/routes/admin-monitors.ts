// Admin API of monitors (scope `status`).
import { getDb } from "../../lib/db.ts";
import {
  adminOps,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  toPage,
  z,
} from "../../lib/openapi.ts";
import { createMonitor, editMonitor } from "../monitors.ts";
import {
  CreatedMonitorSchema,
  CreateMonitorBody,
  IdParams,
  MonitorResultSchema,
  MonitorResultsQuery,
  MonitorSchema,
  missing,
  PageIdParams,
  UpdateMonitorBody,
} from "../schemas.ts";
import { getComponentOrThrow } from "../store/components.ts";
import { deleteMonitor, getMonitorOrThrow, listMonitors, monitorResults } from "../store/monitors.ts";
import { getPageOrThrow } from "../store/pages.ts";
import type { Monitor } from "../types.ts";

export const adminMonitors = newRouter();
const op = adminOps(adminMonitors, "status", ["Status monitors"]);

const monitorView = (m: Monitor) => ({
  id: m.id,
  componentId: m.componentId,
  kind: m.kind,
  name: m.name,
  url: m.url,
  method: m.method,
  expectedStatusMin: m.expectedStatusMin,
  expectedStatusMax: m.expectedStatusMax,
  keyword: m.keyword,
  timeoutMs: m.timeoutMs,
  intervalMinutes: m.intervalMinutes,
  periodSeconds: m.periodSeconds,
  failureThreshold: m.failureThreshold,
  failureStatus: m.failureStatus,
  enabled: m.enabled,
  consecutiveFailures: m.consecutiveFailures,
  lastCheckedAt: m.lastCheckedAt,
  lastOk: m.lastOk,
  lastBeatAt: m.lastBeatAt,
  openIncidentId: m.openIncidentId,
  createdAt: m.createdAt,
});

// POST /api/v1/status/components/:id/monitors — add an HTTP or heartbeat monitor to a component
op(
  {
    method: "post",
    path: "/api/v1/status/components/{id}/monitors",
    summary: "Create a monitor",
    description:
      "HTTP monitors are checked by cron every `intervalMinutes`; `failureThreshold` failures in a row open an incident and set the component to `failureStatus`, recovery resolves it. A heartbeat monitor answers with its secret URL once.",
    request: { params: IdParams, body: jsonBody(CreateMonitorBody) },
    responses: {
      201: jsonContent(CreatedMonitorSchema, "The monitor"),
      400: problemContent("Invalid, or a private URL"),
      ...missing("component"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const component = await getComponentOrThrow(db, c.req.valid("param").id);
    const { monitor, token } = await createMonitor(c.env, db, component, c.req.valid("json"), Date.now());
    const heartbeatUrl = token ? `${c.env.PUBLIC_URL.replace(/\/$/, "")}/status/heartbeat/${token}` : undefined;
    return c.json({ ...monitorView(monitor), ...(heartbeatUrl ? { heartbeatUrl } : {}) }, 201);
  },
);

// GET /api/v1/status/pages/:pageId/monitors — the monitors of a page's components, newest first, by cursor
op(
  {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/monitors",
    summary: "List monitors",
    request: { params: PageIdParams, query: PageQuery },
    responses: { 200: jsonContent(page(MonitorSchema), "Monitors, newest first"), ...missing("page") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const q = c.req.valid("query");
    const { data, nextCursor } = toPage(await listMonitors(db, p.id, q), q.limit);
    return c.json({ data: data.map(monitorView), nextCursor }, 200);
  },
);

// GET /api/v1/status/monitors/:id/results — recent results with response times, newest first
op(
  {
    method: "get",
    path: "/api/v1/status/monitors/{id}/results",
    summary: "Monitor results",
    request: { params: IdParams, query: MonitorResultsQuery },
    responses: {
      200: jsonContent(z.object({ data: z.array(MonitorResultSchema) }), "Results"),
      ...missing("monitor"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const m = await getMonitorOrThrow(db, c.req.valid("param").id);
    const q = c.req.valid("query");
    return c.json({ data: await monitorResults(db, m.id, q.limit, q.before) }, 200);
  },
);

// PATCH /api/v1/status/monitors/:id — edit, pause or resume a monitor
op(
  {
    method: "patch",
    path: "/api/v1/status/monitors/{id}",
    summary: "Update a monitor",
    description:
      "Fields of the monitor's own kind only (`periodSeconds` is a heartbeat's; the URL, method, expected statuses, keyword, timeout, interval and threshold an HTTP monitor's). An HTTP monitor whose check changed runs at once; a heartbeat given a new period has that long from now. The heartbeat URL does not change.",
    request: { params: IdParams, body: jsonBody(UpdateMonitorBody) },
    responses: {
      200: jsonContent(MonitorSchema, "The monitor"),
      400: problemContent("Invalid, a private URL, or a field of the other kind"),
      ...missing("monitor"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const m = await getMonitorOrThrow(db, c.req.valid("param").id);
    return c.json(monitorView(await editMonitor(c.env, db, m, c.req.valid("json"), Date.now())), 200);
  },
);

// DELETE /api/v1/status/monitors/:id — remove a monitor (its results go with it)
op(
  {
    method: "delete",
    path: "/api/v1/status/monitors/{id}",
    summary: "Delete a monitor",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...missing("monitor") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    await deleteMonitor(db, (await getMonitorOrThrow(db, c.req.valid("param").id)).id);
    return c.body(null, 204);
  },
);
