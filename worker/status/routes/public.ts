// Public, cached surface of a status page: Statuspage-compatible JSON, HTML and feeds.
import type { Context } from "hono";
import { readFound, readSession } from "../../lib/d1-session.ts";
import type { Db } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { createRoute, jsonContent, newRouter, z } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { cachedRender } from "../cache.ts";
import { atomFeed, rssFeed } from "../feeds.ts";
import { siteOf } from "../hosts.ts";
import { missing, PageSlugParams, V2 } from "../schemas.ts";
import type { Site } from "../site.ts";
import { activeMaintenance, type Snapshot, unresolvedIncidents, upcomingMaintenance } from "../snapshot.ts";
import { componentsJson, eventsJson, pageJson, pageStatus, summaryJson } from "../statuspage.ts";
import { pageUptime } from "../store/components.ts";
import { getIncidentView, recentEvents } from "../store/incidents.ts";
import { loadSnapshot, pageVersion } from "../store/pages.ts";
import { HistoryHtml, IncidentHtml, StatusPageHtml } from "../views.tsx";

export const publicRoutes = newRouter();

type Render = (snap: Snapshot, ctx: { db: Db; now: number; site: Site }) => Promise<string>;

/**
 * Serves `resource` of the page named in the path from the in-isolate cache, rebuilding it when
 * the page's version moved. The first read after any write shows that write. Links are built for
 * where the page is served (its own host or `/status/<slug>`), so each place has its own entry.
 */
export async function servePublic(c: Context<AppEnv>, resource: string, contentType: string, render: Render) {
  const slug = c.req.param("page") ?? "";
  const site = siteOf(c, slug);
  const now = Date.now();
  // The visitor's D1 session is opened only on a miss or a revalidation: a cache hit touches no database.
  const out = await cachedRender(
    `${slug}\u0000${site.origin}${site.root}\u0000${resource}`,
    now,
    async () => pageVersion(await readSession(c), slug),
    async () => {
      const snap = await readFound(c, (db) => loadSnapshot(db, slug));
      if (!snap) return null;
      const body = await render(snap, { db: await readSession(c), now, site });
      return { pageId: snap.page.id, version: snap.page.version, body };
    },
  );
  if (!out) throw notFound("No such status page");
  const headers: Record<string, string> = {
    "content-type": contentType,
    "cache-control": "public, max-age=0, must-revalidate",
    etag: out.etag,
    vary: "accept-encoding",
  };
  if (contentType.startsWith("application/json")) headers["access-control-allow-origin"] = "*";
  if (c.req.header("if-none-match") === out.etag) return new Response(null, { status: 304, headers });
  if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    // Already compressed: the runtime must pass the bytes through as they are.
    return new Response(out.gzip, {
      status: 200,
      headers: { ...headers, "content-encoding": "gzip" },
      encodeBody: "manual",
    });
  }
  return new Response(out.body, { status: 200, headers });
}

const JSON_TYPE = "application/json; charset=utf-8";

function v2Route(path: string, summary: string, schema: z.ZodType) {
  return createRoute({
    method: "get",
    path: `/status/{page}/api/v2/${path}`,
    tags: ["Status pages (public)"],
    summary,
    description: "Statuspage public API v2 compatible. Cached; every change is visible on the next read.",
    request: { params: PageSlugParams },
    responses: { 200: jsonContent(schema, summary), ...missing("page") },
  });
}

const json = (v: unknown) => JSON.stringify(v);

const page = (snap: Snapshot, site: Site) => pageJson(snap.page, site);

const routes: Array<[string, string, z.ZodType, Render]> = [
  [
    "summary.json",
    "Page summary: status, components, unresolved incidents, upcoming and active maintenance",
    V2.summary,
    async (snap, { site }) => json(summaryJson(snap, site)),
  ],
  [
    "status.json",
    "Page status indicator",
    V2.status,
    async (snap, { site }) => json({ page: page(snap, site), status: pageStatus(snap.components, snap.open) }),
  ],
  [
    "components.json",
    "Components (with Rapport's 90-day uptime beside them)",
    V2.components,
    async (snap, { site, db, now }) =>
      json({
        page: page(snap, site),
        components: componentsJson(snap.page, snap.groups, snap.components),
        uptime: await pageUptime(db, snap, now),
      }),
  ],
  [
    "uptime.json",
    "Rapport: uptime per component per day for 90 days, with the minutes in each status",
    V2.uptime,
    async (snap, { site, db, now }) => json({ page: page(snap, site), uptime: await pageUptime(db, snap, now) }),
  ],
  [
    "incidents.json",
    "The 50 most recent incidents",
    V2.incidents,
    async (snap, { site, db }) =>
      json({
        page: page(snap, site),
        incidents: eventsJson(snap, await recentEvents(db, snap.page.id, ["incident"]), site),
      }),
  ],
  [
    "incidents/unresolved.json",
    "Unresolved incidents",
    V2.incidents,
    async (snap, { site }) =>
      json({ page: page(snap, site), incidents: eventsJson(snap, unresolvedIncidents(snap), site) }),
  ],
  [
    "scheduled-maintenances.json",
    "The 50 most recent scheduled maintenances",
    V2.maintenances,
    async (snap, { site, db }) =>
      json({
        page: page(snap, site),
        scheduled_maintenances: eventsJson(snap, await recentEvents(db, snap.page.id, ["maintenance"]), site),
      }),
  ],
  [
    "scheduled-maintenances/upcoming.json",
    "Upcoming maintenance (status scheduled)",
    V2.maintenances,
    async (snap, { site }) =>
      json({ page: page(snap, site), scheduled_maintenances: eventsJson(snap, upcomingMaintenance(snap), site) }),
  ],
  [
    "scheduled-maintenances/active.json",
    "Active maintenance (in progress or verifying)",
    V2.maintenances,
    async (snap, { site }) =>
      json({ page: page(snap, site), scheduled_maintenances: eventsJson(snap, activeMaintenance(snap), site) }),
  ],
];

for (const [path, summary, schema, render] of routes) {
  // GET /status/:page/api/v2/<path> — Statuspage-compatible JSON
  publicRoutes.openapi(v2Route(path, summary, schema), (c) => servePublic(c, path, JSON_TYPE, render) as never);
}

const HTML_TYPE = "text/html; charset=utf-8";
const html = async (el: unknown) =>
  `<!doctype html>${await (el as { toString(): string | Promise<string> }).toString()}`;

// GET /status/:page — the public status page (works without JavaScript)
publicRoutes.get("/status/:page", (c) =>
  servePublic(c, "page.html", HTML_TYPE, async (snap, { db, now, site }) => {
    const uptime = await pageUptime(db, snap, now);
    return html(
      StatusPageHtml({
        snap,
        site,
        status: pageStatus(snap.components, snap.open),
        uptime: uptime.components,
        partialWeight: snap.page.partialWeight,
        active: [...unresolvedIncidents(snap), ...activeMaintenance(snap)],
        maintenance: upcomingMaintenance(snap),
      }),
    );
  }),
);

// GET /status/:page/history — past incidents and maintenance by month
publicRoutes.get("/status/:page/history", (c) =>
  servePublic(c, "history.html", HTML_TYPE, async (snap, { db, site }) =>
    html(HistoryHtml({ snap, site, events: await recentEvents(db, snap.page.id, ["incident", "maintenance"], 100) })),
  ),
);

// GET /status/:page/incidents/:id — one incident's timeline (the Statuspage shortlink)
publicRoutes.get("/status/:page/incidents/:id", async (c) => {
  const id = c.req.param("id");
  return servePublic(c, `incident:${id.slice(0, 64)}`, HTML_TYPE, async (snap, { db, site }) => {
    const incident = await getIncidentView(db, id);
    if (incident.pageId !== snap.page.id) throw notFound("No such incident on this page");
    return html(IncidentHtml({ snap, site, incident }));
  });
});

function feedRoute(path: string, type: string, summary: string) {
  return createRoute({
    method: "get",
    path: `/status/{page}/${path}`,
    tags: ["Status pages (public)"],
    summary,
    request: { params: PageSlugParams },
    responses: { 200: { description: summary, content: { [type]: { schema: z.string() } } }, ...missing("page") },
  });
}

const feeds = [
  ["feed.atom", "application/atom+xml", "Incidents and maintenance (Atom)", atomFeed],
  ["feed.rss", "application/rss+xml", "Incidents and maintenance (RSS)", rssFeed],
] as const;

for (const [path, type, summary, feed] of feeds) {
  // GET /status/:page/feed.atom and feed.rss — incidents and maintenance as feeds
  publicRoutes.openapi(
    feedRoute(path, type, summary),
    (c) =>
      servePublic(c, path, `${type}; charset=utf-8`, async (snap, { db, site }) =>
        feed(snap.page, await recentEvents(db, snap.page.id, ["incident", "maintenance"]), site),
      ) as never,
  );
}
