// A status page on its own host: what a visitor, a Statuspage widget and a feed reader see there,
// and that nothing else of Rapport is reachable on that host.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import worker from "../../worker/index.ts";
import { call, newKey } from "./helpers.ts";
import { enroll, newProgram } from "./referrals-support.ts";
import { makePage, postJson } from "./status-support.ts";
import { ATOM_NS, advertisedFeeds, checkAtom, checkRss, childrenNamed, parseXml } from "./xml-support.ts";

/** A request on another host, as Cloudflare hands it to the Worker. */
const onHost = (url: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(url, { redirect: "manual", ...init }));

const setDomain = (pageId: string, key: string, domain: string | null) =>
  postJson(`/api/v1/status/pages/${pageId}`, key, { domain }, "PATCH");

/** Statuspage's documented `summary.json`, as its clients read it (extra fields allowed). */
const Iso = z.iso.datetime({ offset: true });
const Component = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]),
  created_at: Iso,
  updated_at: Iso,
  position: z.number().int(),
  description: z.string().nullable(),
  showcase: z.boolean(),
  group_id: z.string().nullable(),
  page_id: z.string(),
  group: z.boolean(),
  only_show_if_degraded: z.boolean(),
});
const Incident = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  impact: z.enum(["none", "minor", "major", "critical", "maintenance"]),
  shortlink: z.url(),
  created_at: Iso,
  updated_at: Iso,
  page_id: z.string(),
  incident_updates: z.array(z.looseObject({ id: z.string(), status: z.string(), body: z.string(), display_at: Iso })),
  components: z.array(Component),
});
const Summary = z.object({
  page: z.looseObject({ id: z.string(), name: z.string(), url: z.url(), time_zone: z.string(), updated_at: Iso }),
  components: z.array(Component),
  incidents: z.array(Incident),
  scheduled_maintenances: z.array(Incident.extend({ scheduled_for: Iso, scheduled_until: Iso })),
  status: z.object({
    indicator: z.enum(["none", "minor", "major", "critical", "maintenance"]),
    description: z.string(),
  }),
});

const HOST = "https://status.example.test";

describe("a status page on its own host", () => {
  it("serves the page, its history, feeds, subscribe pages and Statuspage API at the root, with links on that host", async () => {
    const { key, slug, page, components } = await makePage();
    const set = await setDomain(page.id, key, "status.example.test");
    expect(set.res.status).toBe(200);
    expect(set.body.domain).toBe("status.example.test");
    const { body: inc } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Checkout errors",
      body: "Investigating",
      components: [{ id: components[0].id, status: "partial_outage" }],
      impact: "major",
    });

    // The page at "/": every link and form stays on this host.
    const home = await onHost(`${HOST}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("Checkout errors");
    const targets = [...html.matchAll(/\b(?:href|action)="([^"]+)"/g)].map((m) => m[1]);
    expect(targets).toEqual(
      expect.arrayContaining([
        "/history",
        "/feed.atom",
        "/feed.rss",
        "/subscribe",
        "/api/v2/summary.json",
        `/incidents/${inc.id}`,
      ]),
    );
    expect(targets.filter((t) => t.includes("/status/"))).toEqual([]);
    expect(advertisedFeeds(html)).toEqual(["application/atom+xml /feed.atom", "application/rss+xml /feed.rss"]);
    for (const path of ["/history", `/incidents/${inc.id}`]) {
      const res = await onHost(`${HOST}${path}`);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      expect(body).toContain("Checkout errors");
      expect(body).toContain('<a href="/">');
      expect(body).not.toContain("/status/");
    }

    // A widget reads `${page.url}/api/v2/summary.json` from any site.
    const res = await onHost(`${HOST}/api/v2/summary.json`, { headers: { origin: "https://www.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const summary = Summary.parse(await res.json());
    expect(summary.page).toMatchObject({ id: page.id, url: HOST });
    expect(summary.status.indicator).toBe("major");
    expect(summary.incidents.map((i) => [i.id, i.shortlink])).toEqual([[inc.id, `${HOST}/incidents/${inc.id}`]]);
    const again = await onHost(`${summary.page.url}/api/v2/summary.json`, {
      headers: { "if-none-match": res.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
    for (const path of [
      "status.json",
      "components.json",
      "incidents.json",
      "incidents/unresolved.json",
      "scheduled-maintenances.json",
      "scheduled-maintenances/upcoming.json",
      "scheduled-maintenances/active.json",
      "uptime.json",
    ]) {
      const r = await onHost(`${HOST}/api/v2/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("access-control-allow-origin")).toBe("*");
      expect(((await r.json()) as { page: { url: string } }).page.url).toBe(HOST);
    }

    // Feeds: valid, and every link points at this host.
    const atom = await (await onHost(`${HOST}/feed.atom`)).text();
    expect(checkAtom(atom)).toEqual(["Checkout errors"]);
    const feed = parseXml(atom);
    const links = [feed, ...childrenNamed(feed, "entry")].flatMap((e) => childrenNamed(e, "link", ATOM_NS));
    expect(links.map((l) => l.attrs.href)).toEqual([HOST, `${HOST}/feed.atom`, `${HOST}/incidents/${inc.id}`]);
    const rss = await (await onHost(`${HOST}/feed.rss`)).text();
    expect(checkRss(rss)).toEqual(["Checkout errors"]);
    expect(rss).toContain(`<link>${HOST}/incidents/${inc.id}</link>`);

    // Subscribing, by the API and by the page's form.
    const sub = await onHost(`${HOST}/api/v2/subscribers.json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `dom-${crypto.randomUUID().slice(0, 8)}@example.com` }),
    });
    expect(sub.status).toBe(202);
    expect(sub.headers.get("access-control-allow-origin")).toBe("*");
    const form = await onHost(`${HOST}/subscribe`, {
      method: "POST",
      body: new URLSearchParams({ email: `form-${crypto.randomUUID().slice(0, 8)}@example.com` }),
    });
    expect(form.status).toBe(202);
    const answer = await form.text();
    expect(answer).toContain("Check your inbox");
    expect(answer).toContain('<a href="/">');
    expect((await onHost(`${HOST}/confirm/not-a-token`)).status).toBe(404);

    // The Worker's own host still serves the page under /status/<slug>, with its links there.
    const own = await call(`/status/${slug}`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain(`href="/status/${slug}/history"`);
    const ownSummary = Summary.parse(await (await call(`/status/${slug}/api/v2/summary.json`)).json());
    expect(ownSummary.page.url).toBe(`http://127.0.0.1:8787/status/${slug}`);
  });

  it("serves nothing else there: referral links, the admin API, the console and other pages are 404s", async () => {
    const { key, slug, page } = await makePage();
    const other = await makePage(key);
    const domain = `nothing-else-${crypto.randomUUID().slice(0, 8)}.example.test`;
    expect((await setDomain(page.id, key, domain)).res.status).toBe(200);
    const admin = await newKey(["admin"]);
    const program = await newProgram(admin);
    const referrer = await enroll(admin, program.id, { id: `dom-${crypto.randomUUID()}`, email: "r@example.com" });
    expect((await call(`/r/${referrer.code}`)).status).toBe(302);

    const host = `https://${domain}`;
    for (const path of [
      `/r/${referrer.code}`,
      `/r/${referrer.code}/rewards`,
      "/api/v1/status/pages",
      "/api/v1/openapi.json",
      "/api/v1/docs",
      "/console/",
      "/roadmap",
      `/status/${slug}`,
      `/status/${other.slug}`,
      `/status/${other.slug}/api/v2/summary.json`,
      "/api/v2/no-such.json",
    ]) {
      const res = await onHost(`${host}${path}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
      // A widget on another site can read the 404.
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
    }
  });

  it("answers a widget's request for an unknown page with a 404 it can read", async () => {
    const res = await call("/status/no-such-page/api/v2/summary.json", { headers: { origin: "https://x.example" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("a page's domain", () => {
  it("is set on create, unique (409), moved and cleared with null, each visible at once", async () => {
    const key = await newKey(["status"]);
    const domain = `uniq-${crypto.randomUUID().slice(0, 8)}.example.test`;
    const slug = `d-${crypto.randomUUID().slice(0, 8)}`;
    const created = await postJson("/api/v1/status/pages", key, { slug, name: "Made with a domain", domain });
    expect(created.res.status).toBe(201);
    expect(created.body.domain).toBe(domain);
    expect((await onHost(`https://${domain}/`)).status).toBe(200);

    const taken = await postJson("/api/v1/status/pages", key, { slug: `${slug}-2`, name: "Second", domain });
    expect(taken.res.status).toBe(409);
    expect(taken.body).toMatchObject({ type: "urn:rapport:problem:conflict", domain });
    const b = await makePage(key);
    expect((await setDomain(b.page.id, key, domain)).res.status).toBe(409);
    expect((await call(`/api/v1/status/pages/${b.page.id}`, { key }).then((r) => r.json())) as object).toMatchObject({
      domain: null,
    });
    // Setting a page's own domain again is no conflict.
    expect((await setDomain(created.body.id, key, domain)).res.status).toBe(200);

    const moved = `moved-${crypto.randomUUID().slice(0, 8)}.example.test`;
    expect((await setDomain(created.body.id, key, moved)).res.status).toBe(200);
    expect((await onHost(`https://${domain}/api/v2/status.json`)).status).toBe(404);
    const there = await onHost(`https://${moved}/api/v2/status.json`);
    expect(((await there.json()) as { page: { name: string } }).page.name).toBe("Made with a domain");

    const cleared = await setDomain(created.body.id, key, null);
    expect(cleared.res.status).toBe(200);
    expect(cleared.body.domain).toBeNull();
    expect((await onHost(`https://${moved}/api/v2/status.json`)).status).toBe(404);
    // The freed domain can go to another page.
    expect((await setDomain(b.page.id, key, domain)).res.status).toBe(200);
  });

  it("must be a lowercase host name with a dot: no scheme, port, path or IP address (400, nothing changed)", async () => {
    const { key, page } = await makePage();
    for (const bad of [
      "Status.Example.com",
      "https://status.example.com",
      "status.example.com:8443",
      "status.example.com/path",
      "localhost",
      "192.168.0.1",
      "10.0.0.1",
      "[::1]",
      "::1",
      "status..example.com",
      "status.example.com.",
      "-status.example.com",
      "status_page.example.com",
      "stätus.example.com",
      "",
      `${"a".repeat(64)}.example.com`,
    ]) {
      const { res, body } = await setDomain(page.id, key, bad);
      expect(res.status, bad).toBe(400);
      expect(body.errors, bad).toEqual([expect.objectContaining({ path: "body.domain" })]);
    }
    const after = (await (await call(`/api/v1/status/pages/${page.id}`, { key })).json()) as { domain: unknown };
    expect(after.domain).toBeNull();
  });

  it("may not be the Worker's own host (PUBLIC_URL)", async () => {
    const { key, page } = await makePage();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`https://rapport.example.test/api/v1/status/pages/${page.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ domain: "rapport.example.test" }),
      }),
      { ...env, PUBLIC_URL: "https://rapport.example.test" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ path: "body.domain" }),
    ]);
  });
});
