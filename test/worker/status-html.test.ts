import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> & ]]> "quoted" 'single'`;

async function text(path: string, type: string) {
  const res = await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain(type);
  return { res, body: await res.text() };
}

describe("public status page", () => {
  it("shows the banner, groups with 90-day bars, active incidents and upcoming maintenance, without scripts", async () => {
    const { key, slug, page, group, components } = await makePage();
    await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Slow searches",
      body: "Looking into it",
      components: [{ id: components[0].id, status: "degraded_performance" }],
    });
    const start = Date.now() + 86_400_000;
    await postJson(`/api/v1/status/pages/${page.id}/maintenance`, key, {
      name: "Index rebuild",
      body: "Planned",
      scheduledFor: start,
      scheduledUntil: start + 3600_000,
      componentIds: [components[1].id],
    });
    const { res, body } = await text(`/status/${slug}`, "text/html");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(body).not.toContain("<script");
    expect(body).toContain("Partially Degraded Service");
    expect(body).toContain(String(group.name));
    expect(body).toContain("Slow searches");
    expect(body).toContain("Index rebuild");
    expect(body.match(/<rect /g)?.length).toBe(90 * components.length);
    expect(body).toContain("Degraded performance");
  });

  it("escapes hostile incident text in HTML, JSON and both feeds", async () => {
    const { key, slug, page, components } = await makePage();
    const { body: inc } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: HOSTILE,
      body: HOSTILE,
      components: [{ id: components[0].id, status: "major_outage" }],
    });
    for (const path of [`/status/${slug}`, `/status/${slug}/history`, `/status/${slug}/incidents/${inc.id}`]) {
      const { body } = await text(path, "text/html");
      expect(body).not.toContain("<script>alert");
      expect(body).not.toContain("<img src=x");
      expect(body).toContain("&lt;script&gt;alert");
    }
    const summary = (await (await call(`/status/${slug}/api/v2/summary.json`)).json()) as {
      incidents: Array<{ name: string; incident_updates: Array<{ body: string }> }>;
    };
    expect(summary.incidents[0].name).toBe(HOSTILE);
    expect(summary.incidents[0].incident_updates[0].body).toBe(HOSTILE);

    const atom = (await text(`/status/${slug}/feed.atom`, "application/atom+xml")).body;
    const rss = (await text(`/status/${slug}/feed.rss`, "application/rss+xml")).body;
    for (const feed of [atom, rss]) {
      expect(feed).not.toContain("<script>");
      expect(feed).not.toContain("<img");
      expect(feed).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(feed).toContain("]]&gt;");
    }
    expect(atom).toContain(
      `<link rel="alternate" type="text/html" href="http://127.0.0.1:8787/status/${slug}/incidents/${inc.id}"/>`,
    );
  });

  it("the page shows a change on the very next read, and history lists resolved incidents", async () => {
    const { key, slug, page } = await makePage();
    expect((await text(`/status/${slug}`, "text/html")).body).toContain("All Systems Operational");
    const { body: inc } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Webhooks delayed",
      impact: "critical",
      body: "Investigating",
    });
    expect((await text(`/status/${slug}`, "text/html")).body).toContain("Major Service Outage");
    await postJson(`/api/v1/status/incidents/${inc.id}/resolve`, key, { body: "Fixed" });
    const after = (await text(`/status/${slug}`, "text/html")).body;
    expect(after).toContain("All Systems Operational");
    expect(after).not.toContain("Webhooks delayed");
    const history = (await text(`/status/${slug}/history`, "text/html")).body;
    expect(history).toContain("Webhooks delayed");
    expect(history).toContain("Fixed");
  });

  it("404s unknown pages and incidents of another page", async () => {
    const a = await makePage();
    const b = await makePage(a.key);
    const { body: inc } = await postJson(`/api/v1/status/pages/${b.page.id}/incidents`, a.key, {
      name: "x",
      impact: "minor",
      body: "y",
    });
    expect((await call("/status/nope-nope")).status).toBe(404);
    expect((await call(`/status/${a.slug}/incidents/${inc.id}`)).status).toBe(404);
    expect((await call(`/status/${b.slug}/incidents/${inc.id}`)).status).toBe(200);
  });
});
