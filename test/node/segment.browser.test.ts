// Segment's own browser library (Analytics.js 2.0, @segment/analytics-next), pointed at Rapport
// through its apiHost setting, on a page of another origin: identify, track and page reach D1,
// with the default delivery and with batching. Chromium may reach nothing but 127.0.0.1.
import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROOT } from "../../scripts/lib.ts";
import { launchBrowser, watchErrors } from "../support/browser.ts";

const rapport = { url: inject("rapportUrl"), key: inject("rapportKey") };

// The page's script: settings inline (no CDN), Segment.io pointed at Rapport's /v1.
const ENTRY = `
import { AnalyticsBrowser } from "@segment/analytics-next";
const { writeKey, apiHost, strategy, userId } = window.RAPPORT_TEST;
const analytics = AnalyticsBrowser.load(
  {
    writeKey,
    cdnSettings: {
      integrations: {
        "Segment.io": {
          apiKey: writeKey,
          deliveryStrategy: strategy === "batching" ? { strategy: "batching", config: { size: 4, timeout: 300 } } : undefined,
        },
      },
      // Default telemetry on: the library reports to <apiHost>/m, which Rapport answers and drops.
      metrics: { sampleRate: 1, flushTimer: 100 },
    },
  },
  { integrations: { "Segment.io": { apiHost, protocol: "http" } } },
);
window.run = async () => {
  await analytics.page("Pricing", { plan: "pro" });
  await analytics.track("viewed_pricing", { plan: "pro" });
  await analytics.identify(userId, { email: userId + "@example.com", plan: "pro" });
  await analytics.track("signed_up", { source: "browser" });
  const [a] = await analytics;
  return a.user().anonymousId();
};
`;

let script = "";
let page: Server;
let pageUrl = "";
let browser: Browser;
let writeKey = "";

beforeAll(async () => {
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: "js" },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  script = out.outputFiles[0].text;
  page = createServer((req, res) => {
    if (req.url === "/analytics.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      return;
    }
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const config = {
      writeKey,
      apiHost: `${new URL(rapport.url).host}/v1`,
      strategy: q.get("strategy"),
      userId: q.get("user"),
    };
    res.writeHead(200, { "content-type": "text/html" }).end(
      `<!doctype html><title>Shop</title><script>window.RAPPORT_TEST = ${JSON.stringify(config)}</script>
       <script src="/analytics.js"></script><h1>Shop</h1>`,
    );
  });
  await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
  const addr = page.address();
  pageUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  // A write key with only the `emails` scope, as a site would embed it.
  const res = await fetch(`${rapport.url}/api/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "analytics.js", scopes: ["emails"] }),
  });
  writeKey = ((await res.json()) as { key: string }).key;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => page?.close(r));
});

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${rapport.url}${path}`, { headers: { authorization: `Bearer ${rapport.key}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

type Contact = { id: string; externalId: string; email: string | null };
async function findContact(externalId: string) {
  const found = await admin<{ data: Contact[] }>(`/api/v1/contacts?q=${encodeURIComponent(externalId)}`);
  return found.data.find((c) => c.externalId === externalId);
}

async function deliver(strategy: "standard" | "batching") {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors = watchErrors(tab);
  // Every request the page makes, and none leaves 127.0.0.1.
  const requests: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    requests.push(`${route.request().method()} ${url.host}${url.pathname}`);
    return url.hostname === "127.0.0.1" ? route.continue() : route.abort();
  });
  const user = `ajs-${strategy}-${crypto.randomUUID().slice(0, 8)}`;
  await tab.goto(`${pageUrl}/?strategy=${strategy}&user=${user}`);
  const anonymousId = await tab.evaluate(() => (globalThis as unknown as { run(): Promise<string> }).run());
  expect(anonymousId).toBeTruthy();

  const rapportHost = new URL(rapport.url).host;
  await expect
    .poll(async () => {
      const c = await findContact(user);
      if (!c) return [];
      const t = await admin<{ data: Array<{ kind: string; event?: string }> }>(`/api/v1/contacts/${c.id}/timeline`);
      return t.data
        .filter((i) => i.kind === "event")
        .map((i) => i.event)
        .sort();
    })
    .toEqual(["page_viewed", "signed_up", "viewed_pricing"]);
  // One person: the visitor's page view and track were merged into the user by identify.
  expect(await findContact(`anon:${anonymousId}`)).toBeUndefined();
  const contact = (await findContact(user)) as Contact;
  expect(contact.email).toBe(`${user}@example.com`);
  const { emails: exported } = await admin<{
    emails: { aliases: Array<{ alias: string }>; events: Array<{ properties: object }> };
  }>(`/api/v1/contacts/${contact.id}/export`);
  expect(exported.aliases.map((a) => a.alias)).toEqual([`anon:${anonymousId}`]);
  expect(exported.events.map((e) => e.properties)).toContainEqual(expect.objectContaining({ name: "Pricing" }));

  const sent = requests.filter((r) => r.startsWith(`POST ${rapportHost}/`));
  expect(requests.every((r) => r.split(" ")[1].startsWith("127.0.0.1:"))).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
  const paths = sent.map((r) => r.slice(`POST ${rapportHost}`.length));
  // The library's telemetry went to Rapport too, and was answered (a failed request is an error above).
  expect(paths).toContain("/v1/m");
  return paths.filter((p) => p !== "/v1/m");
}

describe("analytics.js (@segment/analytics-next) on another origin", () => {
  it("delivers page, track and identify one by one to /v1/p, /v1/t and /v1/i", async () => {
    const paths = await deliver("standard");
    expect(new Set(paths)).toEqual(new Set(["/v1/p", "/v1/t", "/v1/i"]));
  });

  it("delivers them batched to /v1/b", async () => {
    const paths = await deliver("batching");
    expect(new Set(paths)).toEqual(new Set(["/v1/b"]));
  });
});
