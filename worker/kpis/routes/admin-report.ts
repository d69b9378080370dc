// /api/v1/kpis, /range and /{kpi}/history — what the KPIs are: a quarter's report, any range, a KPI's past.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonContent, newRouter } from "../../lib/openapi.ts";
import { quarterOf, quarterRange } from "../quarters.ts";
import {
  HistoryQuery,
  HistorySchema,
  invalid,
  KpiParams,
  QuarterQuery,
  QuarterReportSchema,
  RangeQuery,
  RangeReportSchema,
  VotersLoopSchema,
} from "../schemas.ts";
import { kpiHistory, quarterReport, rangeReport } from "../store/report.ts";
import { shippedVotersLoop } from "../store/voters.ts";

export const reportAdmin = newRouter();
const op = adminOps(reportAdmin, "kpis", ["KPIs"]);

// GET /api/v1/kpis — every KPI of a quarter with its inputs, target, pacing, forecast and sparkline
op(
  {
    method: "get",
    path: "/api/v1/kpis",
    summary: "This quarter's KPIs",
    description:
      "Live values while the quarter runs (quarter to date, today included, computed from the daily rollups and kept up to 30 s; send `Cache-Control: no-cache` for values computed now), the last daily snapshot once it has ended. A KPI whose sources hold nothing has `value: null` with its inputs.",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(QuarterReportSchema, "The quarter's KPIs"), ...invalid },
  },
  async (c) => {
    const now = Date.now();
    const quarter = c.req.valid("query").quarter ?? quarterOf(now);
    // `Cache-Control: no-cache` asks for values computed now rather than up to 30 s old.
    const fresh = /no-cache/i.test(c.req.header("cache-control") ?? "");
    const keepAlive = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    const report = await quarterReport(getDb(c.env.DB), quarter, now, { fresh, keepAlive });
    // A kept report is served many times: serialised once (most of a cached answer's CPU).
    let body = serialised.get(report);
    if (body === undefined) {
      body = JSON.stringify(report);
      serialised.set(report, body);
    }
    return c.body(body, 200, { "content-type": "application/json" }) as never; // the report's JSON, as c.json would write it
  },
);

const serialised = new WeakMap<object, string>();

// GET /api/v1/kpis/range — every KPI over any date range, computed now from live data (no targets)
op(
  {
    method: "get",
    path: "/api/v1/kpis/range",
    summary: "KPIs over a date range",
    description: "Each KPI's formula applied to `[from, to)` on the data as it is now, with its inputs.",
    request: { query: RangeQuery },
    responses: { 200: jsonContent(RangeReportSchema, "The KPIs of the range"), ...invalid },
  },
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await rangeReport(getDb(c.env.DB), { from: Date.parse(q.from), to: Date.parse(q.to) }), 200);
  },
);

// GET /api/v1/kpis/{kpi}/history — weekly values over past quarters, with each quarter's outcome
op(
  {
    method: "get",
    path: "/api/v1/kpis/{kpi}/history",
    summary: "A KPI's history by week and by quarter",
    request: { params: KpiParams, query: HistoryQuery },
    responses: { 200: jsonContent(HistorySchema, "History"), ...invalid },
  },
  async (c) => {
    const { kpi } = c.req.valid("param");
    const { quarters } = c.req.valid("query");
    return c.json(await kpiHistory(getDb(c.env.DB), kpi, quarters, Date.now()), 200);
  },
);

// GET /api/v1/kpis/feedback_implementation/voters — the loop behind the ratio: voters told, and who came back
op(
  {
    method: "get",
    path: "/api/v1/kpis/feedback_implementation/voters",
    summary: "Voters told their idea shipped, and who came back",
    description:
      "For ideas moved to done in the quarter: the people their notice was for, those it was sent to, and those of them who came back: any event (a Segment track, page or screen call) on one of the 30 UTC days after the day they were told. Computed now, from data kept for good.",
    request: { query: QuarterQuery },
    responses: { 200: jsonContent(VotersLoopSchema, "The loop's figures"), ...invalid },
  },
  async (c) => {
    const quarter = c.req.valid("query").quarter ?? quarterOf(Date.now());
    const range = quarterRange(quarter);
    return c.json({ quarter, ...range, ...(await shippedVotersLoop(getDb(c.env.DB), range)) }, 200);
  },
);
