// What visitors reach: the redirect, the referrer's own rewards page, and the attribution cookie read.
import { getCookie } from "hono/cookie";
import { readFound, readSession } from "../../lib/d1-session.ts";
import { IDENTITY_COOKIE, requireVisitor, visitorOf } from "../../lib/identity.ts";
import { createRoute, jsonContent, newRouter } from "../../lib/openapi.ts";
import { attributionFromCookies } from "../attribution.ts";
import { bufferClick, type PendingClick } from "../click-buffer.ts";
import { normalizeCode } from "../codes.ts";
import { cachedLink } from "../link-cache.ts";
import { linkUrl } from "../link-view.ts";
import {
  classifyUa,
  clickCookie,
  cookieName,
  isCountable,
  newClickId,
  parseQuery,
  queryValue,
  redirectTarget,
  referrerHost,
} from "../redirect.ts";
import { AttributionSchema } from "../schemas.ts";
import { loadLink } from "../store/links.ts";
import { referrerDashboard } from "../store/referrers.ts";
import { NotFoundPage, RewardsPage } from "../views.tsx";

export const publicRoutes = newRouter();

// GET /r/:code — redirect and count the click
publicRoutes.on(["GET", "HEAD"], "/r/:code", async (c) => {
  const code = normalizeCode(c.req.param("code"));
  // The loader (and the D1 session, drizzle's setup) only runs on a miss: a warm code costs no D1 and no ORM.
  const link = code ? await cachedLink(code, (k) => readFound(c, (db) => loadLink(db, k))) : null;
  if (!code || !link?.active) {
    c.header("cache-control", "private, no-store");
    return c.html(NotFoundPage(), 404);
  }
  const now = Date.now();
  const ua = c.req.header("user-agent") ?? "";
  const countable = isCountable(c.req.method, ua);
  const clickId = countable ? newClickId(code, now) : null;
  // Hono has already split the path off; only the query is needed here, not a whole URL.
  const rawUrl = c.req.url;
  const q = rawUrl.indexOf("?");
  const hash = rawUrl.indexOf("#", q);
  const query = q < 0 ? null : parseQuery(rawUrl.slice(q + 1, hash < 0 ? undefined : hash));
  // One Headers built at once: cheaper on the hot path than c.header() calls merged by c.redirect().
  const headers = new Headers({
    location: redirectTarget(link, query, clickId),
    "cache-control": "private, no-store",
    "referrer-policy": "strict-origin-when-cross-origin",
  });
  if (clickId) {
    const cookies = c.req.header("cookie");
    const jar: Record<string, string> = cookies ? getCookie(c) : {};
    if (link.attributionModel === "last_click" || !jar[cookieName(link.programId)]) {
      headers.set("set-cookie", clickCookie(link.programId, clickId, link.windowDays, rawUrl.startsWith("https:")));
    }
    const cf = (c.req.raw as { cf?: { country?: string; city?: string } }).cf;
    const ip = c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? "";
    const identity = jar[IDENTITY_COOKIE];
    const utm = (k: string) => (link.utm[k] ?? queryValue(query, k))?.slice(0, 100) ?? null;
    const msg: PendingClick = {
      id: clickId,
      linkId: link.linkId,
      programId: link.programId,
      referrerId: link.referrerId,
      at: now,
      country: cf?.country?.slice(0, 8) ?? null,
      city: cf?.city?.slice(0, 100) ?? null,
      device: classifyUa(ua).device,
      referrerHost: referrerHost(c.req.header("referer")),
      utmSource: utm("utm_source"),
      utmMedium: utm("utm_medium"),
      utmCampaign: utm("utm_campaign"),
      visitor: `${ip}\n${ua}`,
      byReferrer: false,
    };
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    if (identity) {
      // Rare: a signed-in visitor, verified off the response path (an anonymous click costs nothing of
      // it). A valid token names the contact the click is recorded for; any other is an anonymous click.
      const referrer = link.referrerExternalId;
      waitUntil(
        signedIn(c.env, identity, now).then((v) =>
          bufferClick(
            c.env.JOBS,
            c.env.SIGNING_SECRET,
            { ...msg, byReferrer: v !== null && v.externalId === referrer, contactId: v?.contactId ?? null },
            waitUntil,
          ),
        ),
      );
    } else {
      bufferClick(c.env.JOBS, c.env.SIGNING_SECRET, msg, waitUntil);
    }
  }
  return new Response(null, { status: 302, headers });
});

/** The contact the visitor's identity cookie names, or null when the token is not valid. */
async function signedIn(env: Env, token: string, now: number) {
  try {
    return await visitorOf(env, token, now);
  } catch {
    return null;
  }
}

// GET /r/:code/rewards — the referrer's own page (identity token)
publicRoutes.get("/r/:code/rewards", requireVisitor(), async (c) => {
  const code = normalizeCode(c.req.param("code"));
  if (!code) return c.html(NotFoundPage(), 404);
  const view = await referrerDashboard(await readSession(c), code, c.get("visitor").contactId);
  c.header("cache-control", "private, no-store");
  if (!view) return c.html(NotFoundPage(), 404);
  return c.html(RewardsPage({ view, url: linkUrl(c.env.PUBLIC_URL, code) }));
});

// GET /api/v1/attribution — the click ids the visitor's attribution cookies hold
publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/attribution",
    tags: ["Referrals"],
    summary: "Read the visitor's attribution cookie",
    description: "Called from the host app's pages (same site) to pass the click id to its backend on sign-up.",
    responses: { 200: jsonContent(AttributionSchema, "The latest click id, and one per program") },
  }),
  (c) => {
    c.header("cache-control", "private, no-store");
    return c.json(attributionFromCookies(getCookie(c)), 200);
  },
);
