import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

type Summary = {
  page: { id: string; name: string; url: string; time_zone: string };
  status: { indicator: string; description: string };
  components: Array<{ id: string; status: string; group: boolean; components?: string[] }>;
  incidents: Array<{
    id: string;
    name: string;
    status: string;
    impact: string;
    shortlink: string;
    incident_updates: Array<{ status: string; body: string; display_at: string }>;
  }>;
  scheduled_maintenances: Array<{ id: string; status: string; scheduled_for: string; impact: string }>;
};

const get = async <T>(path: string) => {
  const res = await call(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

describe("Statuspage-compatible JSON", () => {
  it("summary shows the first change right away, with Statuspage's fields", async () => {
    const { key, slug, page, group, components } = await makePage();
    const before = await get<Summary>(`/status/${slug}/api/v2/summary.json`);
    expect(before.status).toEqual({ indicator: "none", description: "All Systems Operational" });
    expect(before.page).toMatchObject({ id: page.id, time_zone: "Etc/UTC" });
    const g = before.components.find((c) => c.group);
    expect(g).toMatchObject({ id: group.id, components: components.map((c) => c.id) });

    const { body } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Login failures",
      body: "Investigating",
      components: [{ id: components[0].id, status: "partial_outage" }],
      impact: "major",
    });
    const after = await get<Summary>(`/status/${slug}/api/v2/summary.json`);
    expect(after.status).toEqual({ indicator: "major", description: "Partial System Outage" });
    expect(after.incidents).toHaveLength(1);
    expect(after.incidents[0]).toMatchObject({ id: body.id, status: "investigating", impact: "major" });
    expect(after.incidents[0].incident_updates[0]).toMatchObject({ status: "investigating", body: "Investigating" });
    expect(after.components.find((c) => c.id === components[0].id)?.status).toBe("partial_outage");
    expect(after.components.find((c) => c.group)?.status).toBe("partial_outage");

    await postJson(`/api/v1/status/incidents/${body.id}/resolve`, key, {});
    const resolved = await get<Summary>(`/status/${slug}/api/v2/summary.json`);
    expect(resolved.incidents).toHaveLength(0);
    expect(resolved.status.indicator).toBe("none");
    const all = await get<{ incidents: Summary["incidents"] }>(`/status/${slug}/api/v2/incidents.json`);
    expect(all.incidents.map((i) => i.status)).toEqual(["resolved"]);
    const unresolved = await get<{ incidents: unknown[] }>(`/status/${slug}/api/v2/incidents/unresolved.json`);
    expect(unresolved.incidents).toEqual([]);
  });

  it("answers with CORS for widgets, ETag revalidation and 404 for an unknown page", async () => {
    const { slug } = await makePage();
    const res = await call(`/status/${slug}/api/v2/status.json`);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const etag = res.headers.get("etag") ?? "";
    const again = await call(`/status/${slug}/api/v2/status.json`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const missing = await call("/status/no-such-page/api/v2/summary.json");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });

  it("serves a gzipped copy to clients that accept it", async () => {
    const { slug } = await makePage();
    const plain = await (await call(`/status/${slug}/api/v2/summary.json`)).text();
    const res = await call(`/status/${slug}/api/v2/summary.json`, { headers: { "accept-encoding": "gzip, br" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("vary")).toBe("accept-encoding");
    // fetch decodes gzip as a browser does: one layer, the same bytes as the plain answer.
    expect(await res.text()).toBe(plain);
  });

  it("lists upcoming and active maintenance separately", async () => {
    const { key, slug, page, components } = await makePage();
    const start = Date.now() + 86_400_000;
    const m = await postJson(`/api/v1/status/pages/${page.id}/maintenance`, key, {
      name: "Upgrade",
      body: "Planned",
      scheduledFor: start,
      scheduledUntil: start + 3600_000,
      componentIds: [components[1].id],
    });
    const upcoming = await get<{ scheduled_maintenances: Summary["scheduled_maintenances"] }>(
      `/status/${slug}/api/v2/scheduled-maintenances/upcoming.json`,
    );
    expect(upcoming.scheduled_maintenances[0]).toMatchObject({
      id: m.body.id,
      status: "scheduled",
      impact: "maintenance",
      scheduled_for: new Date(start).toISOString(),
    });
    await postJson(`/api/v1/status/incidents/${m.body.id}/updates`, key, { status: "in_progress", body: "Now" });
    const active = await get<{ scheduled_maintenances: unknown[] }>(
      `/status/${slug}/api/v2/scheduled-maintenances/active.json`,
    );
    expect(active.scheduled_maintenances).toHaveLength(1);
    const up2 = await get<{ scheduled_maintenances: unknown[] }>(
      `/status/${slug}/api/v2/scheduled-maintenances/upcoming.json`,
    );
    expect(up2.scheduled_maintenances).toHaveLength(0);
    const status = await get<Summary>(`/status/${slug}/api/v2/status.json`);
    expect(status.status.indicator).toBe("maintenance");
    const all = await get<{ scheduled_maintenances: unknown[] }>(`/status/${slug}/api/v2/scheduled-maintenances.json`);
    expect(all.scheduled_maintenances).toHaveLength(1);
  });

  it("publishes uptime minutes per day beside the components", async () => {
    const { key, slug, components } = await makePage();
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "major_outage" }, "PATCH");
    const body = await get<{
      components: unknown[];
      uptime: {
        weights: { partial_outage: number };
        components: Array<{ id: string; days: Array<{ date: string; minutes: Record<string, number> }> }>;
      };
    }>(`/status/${slug}/api/v2/components.json`);
    expect(body.uptime.weights.partial_outage).toBe(0.3);
    const u = body.uptime.components.find((c) => c.id === components[0].id);
    expect(u?.days).toHaveLength(90);
    expect(u?.days.at(-1)?.date).toBe(new Date().toISOString().slice(0, 10));
  });
});
