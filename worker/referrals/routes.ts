import { getCookie } from "hono/cookie";
import { getDb } from "../lib/db.ts";
import { IDENTITY_COOKIE, requireVisitor, verifyIdentityToken } from "../lib/identity.ts";
import {
  adminRoute,
  createRoute,
  jsonBody,
  jsonContent,
  newRouter,
  page,
  problemContent,
  toPage,
  z,
} from "../lib/openapi.ts";
import { badRequest, conflict } from "../lib/problem.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { bufferClick, type PendingClick } from "./click-buffer.ts";
import { normalizeCode } from "./codes.ts";
import { listConversions, planConversion, withIdempotency } from "./conversions.ts";
import { cachedLink, invalidateAllLinks, invalidateLink } from "./link-cache.ts";
import {
  createCampaignLink,
  enrollReferrer,
  getLinkOrThrow,
  linkUrl,
  linkView,
  listLinks,
  loadLink,
  updateLink,
} from "./links.ts";
import { NotFoundPage, RewardsPage } from "./pages.tsx";
import { createProgram, getProgramOrThrow, listPrograms, updateProgram } from "./programs.ts";
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
} from "./redirect.ts";
import { listReferrers, referrerDashboard } from "./referrers.ts";
import { getRewardOrThrow, listRewards, reviewReward, rewardHistory } from "./rewards.ts";
import {
  AttributionSchema,
  CampaignLinkBody,
  ConversionBody,
  ConversionQuery,
  ConversionResultSchema,
  ConversionSchema,
  EnrollBody,
  IdParams,
  LinkPatch,
  LinkQuery,
  LinkSchema,
  ProgramBody,
  ProgramPatch,
  ProgramQuery,
  ProgramSchema,
  ReferrerQuery,
  ReferrerRowSchema,
  ReferrerSchema,
  ReverseBody,
  ReviewBody,
  RewardQuery,
  RewardSchema,
  StatsQuery,
  StatsSchema,
} from "./schemas.ts";
import { programStats } from "./stats.ts";

export const referralsRoutes = newRouter();
const tags = ["Referrals"];

// GET /r/:code — redirect and count the click
referralsRoutes.on(["GET", "HEAD"], "/r/:code", async (c) => {
  const code = normalizeCode(c.req.param("code"));
  // The loader (and drizzle's setup) only runs on a miss: a warm code costs no D1 and no ORM.
  const link = code ? await cachedLink(code, (k) => loadLink(getDb(c.env.DB), k)) : null;
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
    if (identity && link.referrerExternalId) {
      // Rare: a signed-in visitor. Checking whether it is the referrer needs an async verify.
      const externalId = link.referrerExternalId;
      waitUntil(
        isReferrer(c.env, identity, externalId).then((own) =>
          bufferClick(c.env.JOBS, c.env.SIGNING_SECRET, { ...msg, byReferrer: own }, waitUntil),
        ),
      );
    } else {
      bufferClick(c.env.JOBS, c.env.SIGNING_SECRET, msg, waitUntil);
    }
  }
  return new Response(null, { status: 302, headers });
});

/** Whether the visitor's own identity cookie names the link's referrer (a click on their own link). */
async function isReferrer(env: Env, token: string, externalId: string) {
  try {
    return (await verifyIdentityToken(token, env)).externalId === externalId;
  } catch {
    return false;
  }
}

// GET /r/:code/rewards — the referrer's own page (identity token)
referralsRoutes.get("/r/:code/rewards", requireVisitor(), async (c) => {
  const code = normalizeCode(c.req.param("code"));
  if (!code) return c.html(NotFoundPage(), 404);
  const view = await referrerDashboard(getDb(c.env.DB), code, c.get("visitor").contactId);
  c.header("cache-control", "private, no-store");
  if (!view) return c.html(NotFoundPage(), 404);
  return c.html(RewardsPage({ view, url: linkUrl(c.env.PUBLIC_URL, code) }));
});

// GET /api/v1/attribution — the click ids the visitor's attribution cookies hold
referralsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/attribution",
    tags,
    summary: "Read the visitor's attribution cookie",
    description: "Called from the host app's pages (same site) to pass the click id to its backend on sign-up.",
    responses: { 200: jsonContent(AttributionSchema, "The latest click id, and one per program") },
  }),
  (c) => {
    const all = Object.entries(getCookie(c))
      .filter(([k, v]) => k.startsWith("rapport_ref_") && /^clk_[0-9A-Z]{26}_[A-Z0-9-]{3,40}$/.test(v))
      .map(([k, v]) => ({ programId: k.slice("rapport_ref_".length), clickId: v }))
      .sort((a, b) => (a.clickId < b.clickId ? 1 : -1));
    c.header("cache-control", "private, no-store");
    return c.json({ clickId: all[0]?.clickId ?? null, programId: all[0]?.programId ?? null, all }, 200);
  },
);

// POST /api/v1/programs — create a program
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "post",
    path: "/api/v1/programs",
    tags,
    summary: "Create a referral program",
    request: { body: jsonBody(ProgramBody) },
    responses: { 201: jsonContent(ProgramSchema, "Created"), 400: problemContent("Invalid") },
  }),
  async (c) => c.json(await createProgram(getDb(c.env.DB), c.req.valid("json")), 201),
);

// GET /api/v1/programs — list programs
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/programs",
    tags,
    summary: "List programs",
    request: { query: ProgramQuery },
    responses: { 200: jsonContent(page(ProgramSchema), "Programs, newest first") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listPrograms(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/programs/:id — one program
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/programs/{id}",
    tags,
    summary: "Get a program",
    request: { params: IdParams },
    responses: { 200: jsonContent(ProgramSchema, "The program"), 404: problemContent("Not found") },
  }),
  async (c) => c.json(await getProgramOrThrow(getDb(c.env.DB), c.req.valid("param").id), 200),
);

// PATCH /api/v1/programs/:id — change or archive a program
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "patch",
    path: "/api/v1/programs/{id}",
    tags,
    summary: "Update or archive a program",
    request: { params: IdParams, body: jsonBody(ProgramPatch) },
    responses: {
      200: jsonContent(ProgramSchema, "Updated"),
      400: problemContent("Invalid"),
      404: problemContent("Not found"),
    },
  }),
  async (c) => {
    const row = await updateProgram(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json"));
    invalidateAllLinks();
    return c.json(row, 200);
  },
);

// POST /api/v1/programs/:id/referrers — enroll a customer (idempotent)
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "post",
    path: "/api/v1/programs/{id}/referrers",
    tags,
    summary: "Enroll a referrer",
    description: "Idempotent: enrolling the same customer again returns the same referrer and code.",
    request: { params: IdParams, body: jsonBody(EnrollBody) },
    responses: {
      200: jsonContent(ReferrerSchema, "The referrer and their link"),
      400: problemContent("Invalid"),
      404: problemContent("No such program"),
      409: problemContent("The program is archived"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    if (program.state !== "active") throw conflict("The program is archived: it takes no new referrers");
    const r = await enrollReferrer(db, program, c.req.valid("json").customer);
    return c.json({ ...r, url: linkUrl(c.env.PUBLIC_URL, r.code) }, 200);
  },
);

// GET /api/v1/programs/:id/referrers — referrers with their counts (recent or top)
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/programs/{id}/referrers",
    tags,
    summary: "List referrers",
    request: { params: IdParams, query: ReferrerQuery },
    responses: { 200: jsonContent(page(ReferrerRowSchema), "Referrers"), 404: problemContent("No such program") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listReferrers(db, program.id, q);
    const data = rows.map((r) => ({ ...r, url: linkUrl(c.env.PUBLIC_URL, r.code) }));
    return c.json(q.sort === "top" ? { data: data.slice(0, q.limit), nextCursor: null } : toPage(data, q.limit), 200);
  },
);

// POST /api/v1/programs/:id/links — a campaign link
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "post",
    path: "/api/v1/programs/{id}/links",
    tags,
    summary: "Create a campaign link",
    description: "The destination is checked against the program's allowed hosts now, not at redirect time.",
    request: { params: IdParams, body: jsonBody(CampaignLinkBody) },
    responses: {
      201: jsonContent(LinkSchema, "Created"),
      400: problemContent("Invalid or not allowed destination"),
      404: problemContent("No such program"),
      409: problemContent("Code taken"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    const link = await createCampaignLink(db, program, c.req.valid("json"));
    invalidateLink(link.code); // a cached "unknown code" must not outlive its creation
    return c.json(linkView(link, c.env.PUBLIC_URL, program), 201);
  },
);

// GET /api/v1/links — links, filtered by program and kind
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/links",
    tags,
    summary: "List links",
    request: { query: LinkQuery },
    responses: { 200: jsonContent(page(LinkSchema), "Links, newest first") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const p = toPage(await listLinks(getDb(c.env.DB), q), q.limit);
    return c.json({ ...p, data: p.data.map(({ program, ...l }) => linkView(l, c.env.PUBLIC_URL, program)) }, 200);
  },
);

// PATCH /api/v1/links/:id — change a link's destination, UTM or disable it
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "patch",
    path: "/api/v1/links/{id}",
    tags,
    summary: "Update or disable a link",
    request: { params: IdParams, body: jsonBody(LinkPatch) },
    responses: {
      200: jsonContent(LinkSchema, "Updated"),
      400: problemContent("Invalid"),
      404: problemContent("Not found"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const link = await getLinkOrThrow(db, c.req.valid("param").id);
    const patch = c.req.valid("json");
    if (link.kind === "referral" && patch.destination !== undefined) {
      throw badRequest("A referral link goes to the program's default destination", [
        { path: "body.destination", message: "only campaign links have their own destination" },
      ]);
    }
    const program = await getProgramOrThrow(db, link.programId);
    const row = await updateLink(db, link, program, patch);
    invalidateLink(row.code);
    return c.json(linkView(row, c.env.PUBLIC_URL, program), 200);
  },
);

// POST /api/v1/conversions — report a conversion (server to server, Idempotency-Key required)
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "post",
    path: "/api/v1/conversions",
    tags,
    summary: "Report a conversion",
    description:
      "Attributes the customer to the click or code within the program's window (one referrer per customer " +
      "per program), qualifies the referral when the event is the program's qualifying event, and moves rewards " +
      "through the ledger. The same `Idempotency-Key` returns the first answer and changes nothing.",
    request: {
      headers: z.object({ "idempotency-key": z.string().min(1).max(200) }),
      body: jsonBody(ConversionBody),
    },
    responses: {
      201: jsonContent(ConversionResultSchema, "Recorded"),
      200: jsonContent(ConversionResultSchema, "A replay: the first answer"),
      400: problemContent("Invalid, or no Idempotency-Key"),
      409: problemContent("The Idempotency-Key was used with another body"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const input = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const raw = JSON.stringify(input);
    const { body, replayed } = await withIdempotency(db, key, raw, () => planConversion(db, input));
    if (!replayed) c.executionCtx.waitUntil(kickWebhooks(c.env));
    c.header("idempotent-replayed", String(replayed));
    return c.json(body, replayed ? 200 : 201);
  },
);

// GET /api/v1/conversions — conversions, newest first
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/conversions",
    tags,
    summary: "List conversions",
    request: { query: ConversionQuery },
    responses: { 200: jsonContent(page(ConversionSchema), "Conversions") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listConversions(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/rewards — the ledger, filtered (the review queue is state=held)
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/rewards",
    tags,
    summary: "List rewards",
    request: { query: RewardQuery },
    responses: { 200: jsonContent(page(RewardSchema), "Rewards, newest first") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(toPage(await listRewards(getDb(c.env.DB), q), q.limit), 200);
  },
);

// GET /api/v1/rewards/:id — one reward with its history
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/rewards/{id}",
    tags,
    summary: "Get a reward and its history",
    request: { params: IdParams },
    responses: {
      200: jsonContent(
        RewardSchema.extend({
          history: z.array(
            z.object({
              fromState: z.string().nullable(),
              toState: z.string(),
              reason: z.string().nullable(),
              actor: z.string(),
              at: z.number(),
            }),
          ),
        }),
        "The reward",
      ),
      404: problemContent("Not found"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const { id } = c.req.valid("param");
    const reward = await getRewardOrThrow(db, id);
    return c.json({ ...reward, history: await rewardHistory(db, id) }, 200);
  },
);

for (const action of ["approve", "reverse", "pay"] as const) {
  // POST /api/v1/rewards/:id/{approve,reverse,pay} — an admin's decision on a reward
  referralsRoutes.openapi(
    adminRoute("referrals", {
      method: "post",
      path: `/api/v1/rewards/{id}/${action}`,
      tags,
      summary: { approve: "Approve a held reward", reverse: "Reverse a reward", pay: "Mark a reward paid" }[action],
      request: {
        params: IdParams,
        body: action === "reverse" ? jsonBody(ReverseBody) : { ...jsonBody(ReviewBody), required: false },
      },
      responses: {
        200: jsonContent(RewardSchema, "The reward after the transition"),
        404: problemContent("Not found"),
        409: problemContent("The reward's state does not allow this"),
      },
    }),
    async (c) => {
      const body = (c.req.valid("json") ?? {}) as { reason?: string; note?: string };
      const reason = [body.reason, body.note].filter(Boolean).join(": ") || `admin_${action}`;
      const p = c.get("principal");
      const actor = p.kind === "key" ? `key:${p.keyId}` : `access:${p.email}`;
      const reward = await reviewReward(getDb(c.env.DB), c.req.valid("param").id, action, reason, actor);
      c.executionCtx.waitUntil(kickWebhooks(c.env));
      return c.json(reward, 200);
    },
  );
}

// GET /api/v1/programs/:id/stats — funnel by day and by UTM source
referralsRoutes.openapi(
  adminRoute("referrals", {
    method: "get",
    path: "/api/v1/programs/{id}/stats",
    tags,
    summary: "Program stats",
    description:
      "Clicks, unique clicks, sign-ups, qualified and rewarded referrals; conversion rate = qualified / sign-ups.",
    request: { params: IdParams, query: StatsQuery },
    responses: { 200: jsonContent(StatsSchema, "Stats"), 404: problemContent("Not found") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const program = await getProgramOrThrow(db, c.req.valid("param").id);
    const q = c.req.valid("query");
    const today = new Date().toISOString().slice(0, 10);
    const to = q.to ?? today;
    const from = q.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10);
    if (from > to) throw badRequest("`from` is after `to`", [{ path: "query.from", message: "after to" }]);
    if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) {
      throw badRequest("At most a year per request", [{ path: "query.from", message: "range over 366 days" }]);
    }
    return c.json(await programStats(db, program.id, from, to), 200);
  },
);
