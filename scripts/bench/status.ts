import type { BenchSuite } from "./types.ts";

/** The seeded demo page, served from the in-isolate cache (warmed in `before`). */
const warm = (path: string) => async (ctx: { url: string }) => {
  const res = await fetch(`${ctx.url}${path}`);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  await res.arrayBuffer();
};

/** What browsers and HTTP clients send: the cache keeps a gzipped copy for them. */
const BROWSER = { "accept-encoding": "gzip, deflate, br" };

export const suite: BenchSuite = {
  scenarios: [
    {
      name: "GET /status/:page/api/v2/summary.json (cached)",
      path: "/status/demo/api/v2/summary.json",
      headers: BROWSER,
      minRatio: 0.8,
      before: warm("/status/demo/api/v2/summary.json"),
      // After the load: the first read after a write must already show it.
      after: async (ctx) => {
        const name = `Bench freshness check ${Date.now()}`;
        const res = await fetch(`${ctx.url}/api/v1/status/pages/stp_demo/incidents`, {
          method: "POST",
          headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
          body: JSON.stringify({ name, impact: "minor", body: "Checking that caches are purged." }),
        });
        const { id } = (await res.json()) as { id: string };
        const summary = await (await fetch(`${ctx.url}/status/demo/api/v2/summary.json`)).text();
        const fresh = summary.includes(name);
        await fetch(`${ctx.url}/api/v1/status/incidents/${id}/resolve`, {
          method: "POST",
          headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
          body: "{}",
        });
        return { passFirstReadAfterUpdateShowsIt: fresh };
      },
    },
    {
      name: "GET /status/:page (HTML, cached)",
      path: "/status/demo",
      headers: BROWSER,
      minRatio: 0.8,
      before: warm("/status/demo"),
    },
  ],
};
