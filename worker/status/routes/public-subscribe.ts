// Subscribing to a page (JSON and a no-JS form), confirming, unsubscribing; admin list and removal.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { statusSubscribers } from "../../../db/schema/index.ts";
import { getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { readForm } from "../../lib/forms.ts";
import {
  adminRoute,
  createRoute,
  jsonBody,
  jsonContent,
  newRouter,
  PageQuery,
  page,
  problemContent,
  z,
} from "../../lib/openapi.ts";
import { fieldErrors, notFound, Problem } from "../../lib/problem.ts";
import { rateLimit } from "../../lib/rate-limit.ts";
import { siteOf } from "../hosts.ts";
import { IdParams, PageIdParams } from "../schemas.ts";
import type { Site } from "../site.ts";
import { getPageBySlug, getPageOrThrow, type Page } from "../store/pages.ts";
import {
  confirmSubscriber,
  listSubscribers,
  type SubscribeInput,
  subscribe,
  unsubscribe,
  verifyToken,
} from "../subscriptions.ts";
import { MessageHtml } from "../views.tsx";

export const subscribeRoutes = newRouter();
const tags = ["Status subscribers"];

/** `whsec_` + base64 of 24 to 64 bytes, as Standard Webhooks libraries take it. */
function isWebhookSecret(s: string) {
  const b64 = s.slice("whsec_".length);
  if (!s.startsWith("whsec_") || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4) return false;
  const bytes = (b64.length / 4) * 3 - (b64.length - b64.replace(/=+$/, "").length);
  return bytes >= 24 && bytes <= 64;
}

const Ids = z.array(z.string().min(1).max(64)).max(100);
export const SubscribeBody = z
  .object({
    email: z.email().max(254).optional(),
    url: z.url().max(2000).optional().openapi({ description: "A webhook URL (signed with Standard Webhooks)" }),
    secret: z
      .string()
      .max(100)
      .refine(isWebhookSecret, "whsec_ and the base64 of 24 to 64 random bytes")
      .optional()
      .openapi({
        description:
          "The signing secret (`whsec_` + base64 of 24–64 random bytes), so the endpoint can verify even the challenge; Rapport makes one when absent",
      }),
    componentIds: Ids.optional(),
    groupIds: Ids.optional(),
  })
  .refine((b) => Boolean(b.email) !== Boolean(b.url), { message: "give either email or url", path: ["email"] })
  .refine((b) => !b.secret || b.url, { message: "a secret goes with a webhook url", path: ["secret"] })
  .openapi("StatusSubscribe");

const PageParam = z.object({
  page: z
    .string()
    .max(60)
    .openapi({ param: { name: "page", in: "path" } }),
});

/** The page in the path, and where it is served (for the links on the answer). */
async function pageOr404(c: Context<AppEnv>): Promise<{ p: Page; site: Site }> {
  const p = await getPageBySlug(getDb(c.env.DB), c.req.param("page") ?? "");
  if (!p) throw notFound("No such status page");
  return { p, site: siteOf(c, p.slug) };
}

// POST /status/:page/api/v2/subscribers.json — subscribe by email (double opt-in) or webhook
subscribeRoutes.openapi(
  createRoute({
    method: "post",
    path: "/status/{page}/api/v2/subscribers.json",
    tags,
    summary: "Subscribe to a status page",
    description:
      "Email subscribers get a confirmation link first. A webhook endpoint gets a signed `subscription.challenge` first and must answer it with the challenge (see the README); `active` says whether it did and `detail` why not. The signing secret is in this answer only. Empty componentIds and groupIds mean the whole page.",
    middleware: [rateLimit("status-subscribe")] as const,
    request: {
      params: PageParam,
      body: jsonBody(SubscribeBody),
    },
    responses: {
      202: jsonContent(
        z.object({
          id: z.string(),
          kind: z.enum(["email", "webhook"]),
          secret: z.string().nullable(),
          active: z.boolean().openapi({
            description: "A webhook whose endpoint echoed the challenge; always false for email (the link confirms)",
          }),
          detail: z.string().nullable().openapi({ description: "Why a webhook subscription is still pending" }),
        }),
        "Accepted",
      ),
      400: problemContent("Invalid"),
      404: problemContent("No such page"),
      429: problemContent("Too many requests"),
    },
  }),
  async (c) => {
    const { p } = await pageOr404(c);
    const out = await subscribe(c.env, getDb(c.env.DB), p, c.req.valid("json"), Date.now());
    const { subscriber, secret, active, pending } = out;
    return c.json({ id: subscriber.id, kind: subscriber.kind, secret, active, detail: pending }, 202);
  },
);

// POST /status/:page/subscribe — the page's email form (works without JavaScript)
subscribeRoutes.post("/status/:page/subscribe", rateLimit("status-subscribe"), async (c) => {
  const { p, site } = await pageOr404(c);
  const form = await readForm(c, { all: true });
  const list = (v: unknown) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String));
  const parsed = SubscribeBody.safeParse({
    email: typeof form.email === "string" ? form.email.trim() : undefined,
    componentIds: list(form.componentIds),
    groupIds: list(form.groupIds),
  });
  if (!parsed.success) {
    const msg = fieldErrors(parsed.error.issues)
      .map((e) => e.message)
      .join("; ");
    return c.html(MessageHtml({ page: p, site, title: "Check your email address", text: msg }), 400);
  }
  try {
    await subscribe(c.env, getDb(c.env.DB), p, parsed.data as SubscribeInput, Date.now());
  } catch (e) {
    if (e instanceof Problem && e.status === 400) {
      return c.html(MessageHtml({ page: p, site, title: "That did not work", text: e.detail ?? "Invalid input" }), 400);
    }
    throw e;
  }
  return c.html(
    MessageHtml({
      page: p,
      site,
      title: "Check your inbox",
      text: "We sent you a link to confirm your subscription. Nothing is sent until you confirm.",
    }),
    202,
  );
});

const tokenPage = (purpose: "confirm" | "unsubscribe") => async (c: Context<AppEnv>) => {
  const { p, site } = await pageOr404(c);
  const token = (c.req.param("token") ?? "").slice(0, 120);
  const id = await verifyToken(c.env.SIGNING_SECRET, purpose, token);
  const db = getDb(c.env.DB);
  const sub = id ? await db.query.statusSubscribers.findFirst({ where: eq(statusSubscribers.id, id) }) : undefined;
  if (!sub || sub.pageId !== p.id) {
    return c.html(
      MessageHtml({ page: p, site, title: "This link is not valid", text: "It may have been mistyped." }),
      404,
    );
  }
  const verb = purpose === "confirm" ? "Confirm subscription" : "Unsubscribe";
  if (c.req.method === "GET") {
    // Link scanners follow GETs: the change itself needs the button (a POST).
    return c.html(
      MessageHtml({ page: p, site, title: verb, text: `Updates about ${p.name}.`, action: { label: verb } }),
    );
  }
  if (purpose === "confirm") await confirmSubscriber(db, sub.id, Date.now());
  else await unsubscribe(db, sub.id, Date.now());
  return c.html(
    MessageHtml({
      page: p,
      site,
      title: purpose === "confirm" ? "Subscribed" : "Unsubscribed",
      text:
        purpose === "confirm"
          ? `You will get updates about ${p.name}.`
          : `You will not get more updates about ${p.name}.`,
    }),
  );
};

// GET|POST /status/:page/confirm/:token — double opt-in (POST does it; GET shows the button)
subscribeRoutes.get("/status/:page/confirm/:token", tokenPage("confirm"));
subscribeRoutes.post("/status/:page/confirm/:token", tokenPage("confirm"));
// GET|POST /status/:page/unsubscribe/:token — RFC 8058 one-click POST, or a page with the button
subscribeRoutes.get("/status/:page/unsubscribe/:token", tokenPage("unsubscribe"));
subscribeRoutes.post("/status/:page/unsubscribe/:token", tokenPage("unsubscribe"));

const SubscriberSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["email", "webhook"]),
    email: z.string().nullable(),
    url: z.string().nullable(),
    componentIds: z.array(z.string()),
    groupIds: z.array(z.string()),
    confirmedAt: z.number().int().nullable(),
    unsubscribedAt: z.number().int().nullable(),
    createdAt: z.number().int(),
  })
  .openapi("StatusSubscriber");

// GET /api/v1/status/pages/:pageId/subscribers — subscribers, oldest first
subscribeRoutes.openapi(
  adminRoute("status", {
    method: "get",
    path: "/api/v1/status/pages/{pageId}/subscribers",
    tags,
    summary: "List subscribers",
    request: { params: PageIdParams, query: PageQuery },
    responses: { 200: jsonContent(page(SubscriberSchema), "Subscribers"), 404: problemContent("No such page") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const p = await getPageOrThrow(db, c.req.valid("param").pageId);
    const { limit, cursor } = c.req.valid("query");
    const rows = await listSubscribers(db, p.id, limit + 1, cursor);
    const data = rows.slice(0, limit).map(({ s, email }) => ({
      id: s.id,
      kind: s.kind,
      email,
      url: s.url,
      componentIds: s.componentIds,
      groupIds: s.groupIds,
      confirmedAt: s.confirmedAt,
      unsubscribedAt: s.unsubscribedAt,
      createdAt: s.createdAt,
    }));
    return c.json({ data, nextCursor: rows.length > limit ? data[data.length - 1].id : null }, 200);
  },
);

// DELETE /api/v1/status/subscribers/:id — remove a subscriber
subscribeRoutes.openapi(
  adminRoute("status", {
    method: "delete",
    path: "/api/v1/status/subscribers/{id}",
    tags,
    summary: "Remove a subscriber",
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, 404: problemContent("No such subscriber") },
  }),
  async (c) => {
    const [row] = await getDb(c.env.DB)
      .delete(statusSubscribers)
      .where(eq(statusSubscribers.id, c.req.valid("param").id))
      .returning({ id: statusSubscribers.id });
    if (!row) throw notFound("No such subscriber");
    return c.body(null, 204);
  },
);
