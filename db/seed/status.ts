import { newId } from "../../worker/lib/ids.ts";
import {
  type ComponentStatus,
  statusComponentChanges,
  statusComponents,
  statusGroups,
  statusIncidentComponents,
  statusIncidents,
  statusIncidentUpdates,
  statusMonitorResults,
  statusMonitors,
  statusPages,
} from "../schema/index.ts";
import { DAY, type SeedContext } from "./context.ts";

const HOUR = 3_600_000;
const MIN = 60_000;

const PAGES = [
  {
    id: "stp_demo",
    slug: "demo",
    name: "Acme Cloud",
    description: "Live status of the Acme Cloud platform.",
    groups: [
      ["Platform", ["API", "Dashboard", "Webhooks", "Authentication"]],
      ["Data", ["Database", "Search", "File storage"]],
      ["Integrations", ["Email delivery", "Slack app"]],
    ],
  },
  {
    id: "stp_payments",
    slug: "payments",
    name: "Acme Payments",
    description: "Card processing and payouts.",
    groups: [
      ["Checkout", ["Card payments", "Payouts"]],
      ["Reporting", ["Exports"]],
    ],
  },
] as const;

type Incident = {
  page: string;
  name: string;
  impact: "minor" | "major" | "critical";
  daysAgo: number;
  hour: number;
  minutes: number;
  hits: Array<[string, ComponentStatus]>;
  story: [string, string, string, string];
  postmortem?: string;
};

const INCIDENTS: Incident[] = [
  {
    page: "stp_demo",
    name: "Elevated API error rates",
    impact: "major",
    daysAgo: 71,
    hour: 14,
    minutes: 95,
    hits: [["API", "partial_outage"]],
    story: [
      "We are seeing elevated 5xx errors on the API and are investigating.",
      "A faulty deploy of the request router is the cause; we are rolling it back.",
      "The rollback is complete and error rates are back to normal. We are monitoring.",
      "This incident has been resolved.",
    ],
    postmortem:
      "A configuration change shipped with the router limited connection pools to a tenth of their size. We now canary router changes for an hour before a full rollout.",
  },
  {
    page: "stp_demo",
    name: "Search results delayed",
    impact: "minor",
    daysAgo: 52,
    hour: 9,
    minutes: 240,
    hits: [["Search", "degraded_performance"]],
    story: [
      "New documents take longer than usual to appear in search.",
      "Indexing workers fell behind after a traffic spike; we added capacity.",
      "The backlog is draining.",
      "Search indexing is back to real time.",
    ],
  },
  {
    page: "stp_demo",
    name: "Database unavailable in eu-west",
    impact: "critical",
    daysAgo: 33,
    hour: 2,
    minutes: 48,
    hits: [
      ["Database", "major_outage"],
      ["API", "partial_outage"],
      ["Dashboard", "partial_outage"],
    ],
    story: [
      "The primary database in eu-west is not answering. We are failing over.",
      "A storage volume failed; the replica has been promoted.",
      "All services are reconnected. We are watching replication lag.",
      "This incident has been resolved.",
    ],
    postmortem:
      "A storage volume failed and the automatic failover waited for a health check that was itself stuck. Failover now triggers on replication heartbeat loss.",
  },
  {
    page: "stp_demo",
    name: "Delayed webhook deliveries",
    impact: "minor",
    daysAgo: 12,
    hour: 17,
    minutes: 70,
    hits: [["Webhooks", "degraded_performance"]],
    story: [
      "Webhook deliveries are delayed by up to 10 minutes.",
      "A slow consumer was blocking the queue; it has been isolated.",
      "Deliveries are caught up.",
      "This incident has been resolved.",
    ],
  },
  {
    page: "stp_demo",
    name: "Sign-in failures for SSO users",
    impact: "major",
    daysAgo: 4,
    hour: 11,
    minutes: 35,
    hits: [["Authentication", "major_outage"]],
    story: [
      "Users signing in with SSO see an error.",
      "An expired signing certificate was found; it is being rotated.",
      "The certificate is rotated and sign-ins work again.",
      "This incident has been resolved.",
    ],
  },
  {
    page: "stp_payments",
    name: "Card payments declined for some issuers",
    impact: "major",
    daysAgo: 20,
    hour: 19,
    minutes: 55,
    hits: [["Card payments", "partial_outage"]],
    story: [
      "Some card payments are being declined.",
      "An upstream processor is rejecting requests from one region; traffic is being rerouted.",
      "Traffic is rerouted and approval rates are recovering.",
      "This incident has been resolved.",
    ],
  },
  {
    page: "stp_payments",
    name: "Payout reports delayed",
    impact: "minor",
    daysAgo: 63,
    hour: 6,
    minutes: 300,
    hits: [["Exports", "degraded_performance"]],
    story: [
      "Daily payout exports are running late.",
      "A large merchant's export is taking longer than usual.",
      "Exports are catching up.",
      "All exports have been delivered.",
    ],
  },
];

/** Demo data for status: two pages, twelve components in groups, 90 days of history. */
export async function seedStatus(ctx: SeedContext): Promise<void> {
  const start = ctx.now - 95 * DAY;
  const pages: Array<typeof statusPages.$inferInsert> = [];
  const groups: Array<typeof statusGroups.$inferInsert> = [];
  const components: Array<typeof statusComponents.$inferInsert> = [];
  const byName = new Map<string, { id: string; pageId: string }>();
  for (const p of PAGES) {
    pages.push({
      id: p.id,
      slug: p.slug,
      name: p.name,
      description: p.description,
      // The first page is the primary one: its major incidents pause marketing email.
      pausesMarketing: p === PAGES[0],
      createdAt: start,
      updatedAt: ctx.now,
    });
    p.groups.forEach(([name, members], gi) => {
      const gid = `${p.id.replace("stp", "stg")}_${gi}`;
      groups.push({ id: gid, pageId: p.id, name, position: gi, createdAt: start, updatedAt: start });
      members.forEach((m, ci) => {
        const id = `${gid.replace("stg", "cmp")}_${ci}`;
        byName.set(m, { id, pageId: p.id });
        components.push({ id, pageId: p.id, groupId: gid, name: m, position: ci, createdAt: start, updatedAt: start });
      });
    });
  }
  const changes: Array<typeof statusComponentChanges.$inferInsert> = components.map((c) => ({
    id: newId("scc", start),
    componentId: c.id,
    status: "operational",
    at: start,
  }));
  const incidents: Array<typeof statusIncidents.$inferInsert> = [];
  const links: Array<typeof statusIncidentComponents.$inferInsert> = [];
  const updates: Array<typeof statusIncidentUpdates.$inferInsert> = [];

  for (const inc of INCIDENTS) {
    const begin = ctx.now - inc.daysAgo * DAY + inc.hour * HOUR + ctx.int(0, 50) * MIN;
    const end = begin + inc.minutes * MIN;
    const id = newId("inc", begin);
    const steps = [begin, begin + inc.minutes * 0.3 * MIN, begin + inc.minutes * 0.7 * MIN, end].map(Math.round);
    incidents.push({
      id,
      pageId: inc.page,
      kind: "incident",
      name: inc.name,
      status: "resolved",
      impact: inc.impact,
      startedAt: begin,
      monitoringAt: steps[2],
      resolvedAt: end,
      postmortemBody: inc.postmortem ?? null,
      postmortemPublishedAt: inc.postmortem ? end + 2 * DAY : null,
      createdAt: begin,
      updatedAt: inc.postmortem ? end + 2 * DAY : end,
    });
    (["investigating", "identified", "monitoring", "resolved"] as const).forEach((status, i) => {
      updates.push({
        id: newId("upd", steps[i]),
        incidentId: id,
        status,
        body: inc.story[i],
        affectedComponents:
          i === 0 || i === 3
            ? inc.hits.map(([name, s]) => ({
                code: byName.get(name)?.id ?? "",
                name,
                old_status: i === 0 ? "operational" : s,
                new_status: i === 0 ? s : "operational",
              }))
            : [],
        displayAt: steps[i],
        createdAt: steps[i],
      });
    });
    for (const [name, status] of inc.hits) {
      const componentId = byName.get(name)?.id ?? "";
      links.push({ incidentId: id, componentId, status });
      changes.push(
        { id: newId("scc", begin), componentId, status, at: begin, source: "incident", incidentId: id },
        { id: newId("scc", end), componentId, status: "operational", at: end, source: "incident", incidentId: id },
      );
    }
  }

  // A completed maintenance window and an upcoming one.
  const done = ctx.now - 26 * DAY + 3 * HOUR;
  const doneId = newId("mnt", done - 7 * DAY);
  const db = byName.get("Database")?.id ?? "";
  incidents.push({
    id: doneId,
    pageId: "stp_demo",
    kind: "maintenance",
    name: "Database version upgrade",
    status: "completed",
    impact: "none",
    startedAt: done,
    resolvedAt: done + 2 * HOUR,
    scheduledFor: done,
    scheduledUntil: done + 2 * HOUR,
    createdAt: done - 7 * DAY,
    updatedAt: done + 2 * HOUR,
  });
  links.push({ incidentId: doneId, componentId: db, status: "under_maintenance" });
  updates.push(
    {
      id: newId("upd", done - 7 * DAY),
      incidentId: doneId,
      status: "scheduled",
      body: "We will upgrade the database engine. Writes may pause for a few seconds.",
      displayAt: done - 7 * DAY,
      createdAt: done - 7 * DAY,
    },
    {
      id: newId("upd", done),
      incidentId: doneId,
      status: "in_progress",
      body: "The upgrade has started.",
      displayAt: done,
      createdAt: done,
    },
    {
      id: newId("upd", done + 2 * HOUR),
      incidentId: doneId,
      status: "completed",
      body: "The upgrade is complete.",
      displayAt: done + 2 * HOUR,
      createdAt: done + 2 * HOUR,
    },
  );
  changes.push(
    {
      id: newId("scc", done),
      componentId: db,
      status: "under_maintenance",
      at: done,
      source: "maintenance",
      incidentId: doneId,
    },
    {
      id: newId("scc", done + 2 * HOUR),
      componentId: db,
      status: "operational",
      at: done + 2 * HOUR,
      source: "maintenance",
      incidentId: doneId,
    },
  );
  const next = ctx.now + 3 * DAY + 2 * HOUR;
  const nextId = newId("mnt", ctx.now - DAY);
  incidents.push({
    id: nextId,
    pageId: "stp_demo",
    kind: "maintenance",
    name: "Search cluster migration",
    status: "scheduled",
    impact: "none",
    startedAt: next,
    scheduledFor: next,
    scheduledUntil: next + 3 * HOUR,
    createdAt: ctx.now - DAY,
    updatedAt: ctx.now - DAY,
  });
  links.push({ incidentId: nextId, componentId: byName.get("Search")?.id ?? "", status: "under_maintenance" });
  updates.push({
    id: newId("upd", ctx.now - DAY),
    incidentId: nextId,
    status: "scheduled",
    body: "We are moving search to new hardware. Results may be stale for up to 10 minutes.",
    displayAt: ctx.now - DAY,
    createdAt: ctx.now - DAY,
  });

  // Monitors are seeded paused (no traffic leaves a demo), with a day of results to chart.
  const monitors: Array<typeof statusMonitors.$inferInsert> = [
    {
      id: "mon_demo_api",
      componentId: byName.get("API")?.id ?? "",
      kind: "http",
      name: "api.example.com/health",
      url: "https://api.example.com/health",
      intervalMinutes: 5,
      enabled: false,
      createdAt: start,
    },
    {
      id: "mon_demo_dash",
      componentId: byName.get("Dashboard")?.id ?? "",
      kind: "http",
      name: "app.example.com",
      url: "https://app.example.com/",
      intervalMinutes: 5,
      keyword: "Acme",
      enabled: false,
      createdAt: start,
    },
  ];
  const results: Array<typeof statusMonitorResults.$inferInsert> = [];
  for (const m of monitors) {
    for (let t = ctx.now - DAY; t < ctx.now; t += 5 * MIN) {
      const ok = ctx.rng() > 0.01;
      const base = m.id === "mon_demo_api" ? 80 : 220;
      results.push({
        id: newId("smr", t),
        monitorId: m.id,
        runAt: t,
        ok,
        statusCode: ok ? 200 : 503,
        responseMs: Math.round(base + ctx.rng() * base * 0.6 + (ok ? 0 : 800)),
        error: ok ? null : "HTTP 503 (expected 200-299)",
        checkedAt: t,
      });
    }
    m.lastCheckedAt = ctx.now - 5 * MIN;
    m.lastOk = true;
  }

  await ctx.insertMany(statusPages, pages, "status pages");
  await ctx.insertMany(statusGroups, groups, "status groups");
  await ctx.insertMany(statusComponents, components, "status components");
  await ctx.insertMany(statusComponentChanges, changes, "status history");
  await ctx.insertMany(statusIncidents, incidents, "status incidents");
  await ctx.insertMany(statusIncidentComponents, links, "status incident components");
  await ctx.insertMany(statusIncidentUpdates, updates, "status incident updates");
  await ctx.insertMany(statusMonitors, monitors, "status monitors");
  await ctx.insertMany(statusMonitorResults, results, "status monitor results");
}
