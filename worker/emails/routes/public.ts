// Public endpoints reached from inside an email: signed, no login.
import type { Context } from "hono";
import { getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { createRoute, newRouter, problemContent } from "../../lib/openapi.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { consentOf } from "../consent.ts";
import { GifImage, HtmlPage, PreferencesForm, SignedParams } from "../schemas.ts";
import { preferencesUrl, unsubscribeUrl, verifyLink } from "../signing.ts";
import { findContact } from "../store/contacts.ts";
import { linkTarget, messageForLink, recordClick, recordOpen, unsubscribeMessage } from "../store/engagement.ts";
import { profileOf, savePreferences } from "../store/profiles.ts";
import { GonePage, PreferencesPage, UnsubscribePage } from "../views.tsx";

export const publicRoutes = newRouter();

const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (ch) =>
  ch.charCodeAt(0),
);
const noStore = { "cache-control": "private, no-store" };
const html = (description: string) => ({ description, content: { "text/html": { schema: HtmlPage } } });
const badLink = html("Unknown or badly signed link");

const gone = (c: Context<AppEnv>) => c.html(GonePage(), 404, noStore);

/** The unsubscribe page of message `id`: a confirmation to post, or that it is done. */
async function unsubscribePage(
  c: Context<AppEnv>,
  id: string,
  m: { topic: string; contactId: string | null },
  done: boolean,
) {
  return c.html(
    UnsubscribePage({
      action: await unsubscribeUrl(c.env, id),
      topic: m.topic,
      done,
      preferencesUrl: m.contactId ? await preferencesUrl(c.env, m.contactId) : null,
    }),
    200,
    noStore,
  );
}

// GET /e/u/:id/:sig — confirm page (a GET never unsubscribes: link scanners follow links)
publicRoutes.get("/e/u/:id/:sig", async (c) => {
  const { id, sig } = c.req.param();
  if (!(await verifyLink(c.env.SIGNING_SECRET, "u", id, sig))) return gone(c);
  const m = await messageForLink(getDb(c.env.DB), id);
  if (!m) return gone(c);
  return unsubscribePage(c, id, m, Boolean(m.unsubscribedAt));
});

// POST /e/u/:id/:sig — RFC 8058 one-click unsubscribe; done before the response
publicRoutes.openapi(
  createRoute({
    method: "post",
    path: "/e/u/{id}/{sig}",
    tags: ["emails: public"],
    summary: "One-click unsubscribe (RFC 8058)",
    description:
      "The `List-Unsubscribe` URL of a message, signed with SIGNING_SECRET. Mail clients POST `List-Unsubscribe=One-Click`; it takes effect before the response.",
    request: { params: SignedParams },
    responses: { 200: html("Unsubscribed (an HTML confirmation)"), 404: badLink },
  }),
  async (c) => {
    const { id, sig } = c.req.valid("param");
    if (!(await verifyLink(c.env.SIGNING_SECRET, "u", id, sig))) return gone(c);
    const done = await unsubscribeMessage(getDb(c.env.DB), id);
    if (!done) return gone(c);
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return unsubscribePage(c, id, done, true);
  },
);

/** The preference page of the contact the link names, once it is verified. */
async function preferences(c: Context<AppEnv>, saved: boolean) {
  const { id, sig } = c.req.param() as { id: string; sig: string };
  if (!(await verifyLink(c.env.SIGNING_SECRET, "p", id, sig))) return gone(c);
  const db = getDb(c.env.DB);
  const contact = await findContact(db, id);
  if (!contact) return gone(c);
  const profile = await profileOf(db, id);
  return c.html(
    PreferencesPage({
      action: await preferencesUrl(c.env, id),
      email: contact.email,
      consent: consentOf(profile ?? null),
      all: !profile?.unsubscribedAt,
      saved,
    }),
    200,
    noStore,
  );
}

// GET /e/p/:id/:sig — the contact's preference page, per topic
publicRoutes.get("/e/p/:id/:sig", (c) => preferences(c, false));

// POST /e/p/:id/:sig — save preferences (an HTML form; works without JavaScript)
publicRoutes.openapi(
  createRoute({
    method: "post",
    path: "/e/p/{id}/{sig}",
    tags: ["emails: public"],
    summary: "Save email preferences",
    description: "The preference page's form. Checked topics are kept; `all=off` leaves every email.",
    request: {
      params: SignedParams,
      body: { content: { "application/x-www-form-urlencoded": { schema: PreferencesForm } } },
    },
    responses: { 200: html("Saved (the page again)"), 400: problemContent("Not a valid form"), 404: badLink },
  }),
  async (c) => {
    const { id, sig } = c.req.valid("param");
    if (!(await verifyLink(c.env.SIGNING_SECRET, "p", id, sig))) return gone(c);
    const form = c.req.valid("form");
    const db = getDb(c.env.DB);
    if (!(await findContact(db, id))) return gone(c);
    await savePreferences(db, id, {
      marketing: form.marketing === "on",
      product_updates: form.product_updates === "on",
      status_notifications: form.status_notifications === "on",
      all: form.all !== "off",
    });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return preferences(c, true);
  },
);

// GET /e/o/:id/:sig — open pixel (`:sig` ends in .gif)
publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/e/o/{id}/{sig}",
    tags: ["emails: public"],
    summary: "Open pixel",
    request: { params: SignedParams },
    responses: { 200: { description: "A 1×1 GIF", content: { "image/gif": { schema: GifImage } } } },
  }),
  async (c) => {
    const { id, sig } = c.req.valid("param");
    if (await verifyLink(c.env.SIGNING_SECRET, "o", id, sig.replace(/\.gif$/, ""))) {
      c.executionCtx.waitUntil(recordOpen(getDb(c.env.DB), id));
    }
    return c.body(PIXEL, 200, { "content-type": "image/gif", ...noStore });
  },
);

// GET /e/c/:id/:sig — tracked click: 302 to the stored destination, never one from the request
publicRoutes.get("/e/c/:id/:sig", async (c) => {
  const { id, sig } = c.req.param();
  if (!(await verifyLink(c.env.SIGNING_SECRET, "c", id, sig))) return gone(c);
  const db = getDb(c.env.DB);
  const link = await linkTarget(db, id);
  if (!link) return gone(c);
  c.executionCtx.waitUntil(recordClick(db, link.messageId));
  c.header("cache-control", "private, no-store");
  return c.redirect(link.url, 302);
});
