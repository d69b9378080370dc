// Status pages on their own host (status.example.com): the page at `/`, its feeds, subscribe pages
// and `/api/v2/*`, and nothing else of Rapport on that host.
import type { Context, MiddlewareHandler } from "hono";
import { replicaDb } from "../lib/d1-session.ts";
import type { AppEnv } from "../lib/env.ts";
import { cachedHost, type HostedPage } from "./cache.ts";
import { hostnameOf, type Site } from "./site.ts";
import { listHostedPages } from "./store/pages.ts";

/** Requests on a page's own host, noted before routing. */
const hosted = new WeakMap<Request, HostedPage>();

let publicHost: { url: string; hostname: string } | undefined;

/**
 * Notes `req` when its host is a page's domain. Requests on the Worker's own host (PUBLIC_URL)
 * touch nothing; others cost a lookup in the in-isolate table of domains.
 */
export async function notePageHost(req: Request, env: Env): Promise<void> {
  if (!publicHost || publicHost.url !== env.PUBLIC_URL) {
    publicHost = { url: env.PUBLIC_URL, hostname: hostnameOf(env.PUBLIC_URL ?? "") };
  }
  const hostname = hostnameOf(req.url);
  if (hostname === publicHost.hostname) return;
  try {
    const page = await cachedHost(hostname, Date.now(), () => listHostedPages(replicaDb(env.DB)));
    if (page) hosted.set(req, page);
  } catch (e) {
    // Without the table the request is served as on any other host; the page's own reads fail alike.
    console.error("status page hosts unavailable", e);
  }
}

/** What a page's own host serves, as paths relative to its root. */
const ON_OWN_HOST =
  /^\/(?:history|incidents\/[^/]+|feed\.(?:atom|rss)|api\/v2\/.+|subscribe|(?:confirm|unsubscribe)\/[^/]+)?$/;
/** Matches no route: everything else on a page's host is a 404. */
const NOWHERE = "/-/not-on-this-host";

/**
 * The app's routing path for `req` (Hono's `getPath`): on a page's own host, its paths are routed
 * to the page's routes under `/status/<slug>`; every other path (referral links, the admin API,
 * the console, other capabilities' pages) to none.
 */
export function routedPath(req: Request, path: string): string {
  const page = hosted.get(req);
  if (!page) return path;
  return ON_OWN_HOST.test(path) ? `/status/${page.slug}${path === "/" ? "" : path}` : NOWHERE;
}

/** Whether `req` came in on a page's own host. */
export const onPageHost = (req: Request) => hosted.has(req);

/** Where the page `slug` that `c` asks for is served. */
export function siteOf(c: Context<AppEnv>, slug: string): Site {
  if (hosted.has(c.req.raw)) return { origin: new URL(c.req.url).origin, root: "" };
  return { origin: c.env.PUBLIC_URL.replace(/\/$/, ""), root: `/status/${slug}` };
}

/**
 * Statuspage JSON is read by widgets on any site: every answer under `/api/v2/` of a page, and
 * every JSON answer on a page's own host, 404s included, carries `Access-Control-Allow-Origin: *`.
 */
export const publicStatusCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const v2 = /^\/status\/[^/]+\/api\/v2\//.test(c.req.path);
  if (v2 || (hosted.has(c.req.raw) && /json/.test(c.res.headers.get("content-type") ?? ""))) {
    c.res.headers.set("access-control-allow-origin", "*");
  }
};
