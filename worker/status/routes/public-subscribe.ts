// Subscribing to a page (JSON and a no-JS form), confirming and unsubscribing.
import type { Context } from "hono";
import { readFound, visitorWrite } from "../../lib/d1-session.ts";
import type { AppEnv } from "../../lib/env.ts";
import { readForm } from "../../lib/forms.ts";
import { createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { fieldErrors, notFound, Problem } from "../../lib/problem.ts";
import { rateLimit } from "../../lib/rate-limit.ts";
import { siteOf } from "../hosts.ts";
import { invalid, missing, PageParams, SubscribeAnswer, SubscribeBody } from "../schemas.ts";
import type { Site } from "../site.ts";
import { getPageBySlug } from "../store/pages.ts";
import { confirmSubscriber, getSubscriber, unsubscribe } from "../store/subscribers.ts";
import { subscribe, verifyToken } from "../subscriptions.ts";
import type { Page } from "../types.ts";
import { MessageHtml } from "../views.tsx";

export const publicSubscribe = newRouter();
const tags = ["Status subscribers"];

/** The page in the path, and where it is served (for the links on the answer). */
async function pageOr404(c: Context<AppEnv>): Promise<{ p: Page; site: Site }> {
  const p = await readFound(c, (db) => getPageBySlug(db, c.req.param("page") ?? ""));
  if (!p) throw notFound("No such status page");
  return { p, site: siteOf(c, p.slug) };
}

// POST /status/:page/api/v2/subscribers.json — subscribe by email (double opt-in) or webhook
publicSubscribe.openapi(
  createRoute({
    method: "post",
    path: "/status/{page}/api/v2/subscribers.json",
    tags,
    summary: "Subscribe to a status page",
    description:
      "Email subscribers get a confirmation link first. A webhook endpoint gets a signed `subscription.challenge` first and must answer it with the challenge (see the README); `active` says whether it did and `detail` why not. The signing secret is in this answer only. Empty componentIds and groupIds mean the whole page.",
    middleware: [rateLimit("status-subscribe")] as const,
    request: { params: PageParams, body: jsonBody(SubscribeBody) },
    responses: {
      202: jsonContent(SubscribeAnswer, "Accepted"),
      ...invalid,
      ...missing("page"),
      429: problemContent("Too many requests"),
    },
  }),
  async (c) => {
    const { p } = await pageOr404(c);
    const out = await visitorWrite(c, (db) => subscribe(c.env, db, p, c.req.valid("json"), Date.now()));
    const { subscriber, secret, active, pending } = out;
    return c.json({ id: subscriber.id, kind: subscriber.kind, secret, active, detail: pending }, 202);
  },
);

// POST /status/:page/subscribe — the page's email form (works without JavaScript)
publicSubscribe.post("/status/:page/subscribe", rateLimit("status-subscribe"), async (c) => {
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
    await visitorWrite(c, (db) => subscribe(c.env, db, p, parsed.data, Date.now()));
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
  const sub = id ? await readFound(c, (db) => getSubscriber(db, id)) : undefined;
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
  await visitorWrite(c, async (db) => {
    if (purpose === "confirm") await confirmSubscriber(db, sub, Date.now());
    else await unsubscribe(db, sub.id, Date.now());
  });
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
publicSubscribe.get("/status/:page/confirm/:token", tokenPage("confirm"));
publicSubscribe.post("/status/:page/confirm/:token", tokenPage("confirm"));
// GET|POST /status/:page/unsubscribe/:token — RFC 8058 one-click POST, or a page with the button
publicSubscribe.get("/status/:page/unsubscribe/:token", tokenPage("unsubscribe"));
publicSubscribe.post("/status/:page/unsubscribe/:token", tokenPage("unsubscribe"));
