// Public endpoints reached from inside an email: signed, no login.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { contacts } from "../../db/schema/index.ts";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { createRoute, problemContent, z } from "../lib/openapi.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { consents } from "./consent.ts";
import {
  linkTarget,
  messageForLink,
  profileOf,
  recordClick,
  recordOpen,
  savePreferences,
  unsubscribeMessage,
} from "./engagement.ts";
import { GonePage, PreferencesPage, UnsubscribePage } from "./pages.tsx";
import { preferencesUrl, unsubscribeUrl, verifyLink } from "./signing.ts";

const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (ch) =>
  ch.charCodeAt(0),
);
const noStore = { "cache-control": "private, no-store" };

const SignedParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "id", in: "path" } }),
  sig: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "sig", in: "path" } }),
});

const gone = (c: Context<AppEnv>) => c.html(GonePage(), 404, noStore);

export function registerPublicRoutes(r: OpenAPIHono<AppEnv>) {
  // GET /e/u/:id/:sig — confirm page (a GET never unsubscribes: link scanners follow links)
  r.get("/e/u/:id/:sig", async (c) => {
    const { id, sig } = c.req.param();
    if (!(await verifyLink(c.env.SIGNING_SECRET, "u", id, sig))) return gone(c);
    const m = await messageForLink(getDb(c.env.DB), id);
    if (!m) return gone(c);
    return c.html(
      UnsubscribePage({
        action: await unsubscribeUrl(c.env, id),
        topic: m.topic,
        done: Boolean(m.unsubscribedAt),
        preferencesUrl: m.contactId ? await preferencesUrl(c.env, m.contactId) : null,
      }),
      200,
      noStore,
    );
  });

  // POST /e/u/:id/:sig — RFC 8058 one-click unsubscribe; done before the response
  r.openapi(
    createRoute({
      method: "post",
      path: "/e/u/{id}/{sig}",
      tags: ["emails: public"],
      summary: "One-click unsubscribe (RFC 8058)",
      description:
        "The `List-Unsubscribe` URL of a message, signed with SIGNING_SECRET. Mail clients POST `List-Unsubscribe=One-Click`; it takes effect before the response.",
      request: { params: SignedParams },
      responses: {
        200: { description: "Unsubscribed (an HTML confirmation)", content: { "text/html": { schema: z.string() } } },
        404: { description: "Unknown or badly signed link", content: { "text/html": { schema: z.string() } } },
      },
    }),
    async (c) => {
      const { id, sig } = c.req.valid("param");
      if (!(await verifyLink(c.env.SIGNING_SECRET, "u", id, sig))) return gone(c);
      const done = await unsubscribeMessage(getDb(c.env.DB), id);
      if (!done) return gone(c);
      c.executionCtx.waitUntil(kickWebhooks(c.env));
      return c.html(
        UnsubscribePage({
          action: await unsubscribeUrl(c.env, id),
          topic: done.topic,
          done: true,
          preferencesUrl: done.contactId ? await preferencesUrl(c.env, done.contactId) : null,
        }),
        200,
        noStore,
      );
    },
  );

  async function preferences(c: Context<AppEnv>, saved: boolean) {
    const { id, sig } = c.req.param() as { id: string; sig: string };
    if (!(await verifyLink(c.env.SIGNING_SECRET, "p", id, sig))) return gone(c);
    const db = getDb(c.env.DB);
    const contact = await db.query.contacts.findFirst({ where: eq(contacts.id, id) });
    if (!contact) return gone(c);
    const profile = await profileOf(db, id);
    return c.html(
      PreferencesPage({
        action: await preferencesUrl(c.env, id),
        email: contact.email,
        consent: {
          marketing: consents(profile ?? null, "marketing"),
          product_updates: consents(profile ?? null, "product_updates"),
          status_notifications: consents(profile ?? null, "status_notifications"),
        },
        all: !profile?.unsubscribedAt,
        saved,
      }),
      200,
      noStore,
    );
  }

  // GET /e/p/:id/:sig — the contact's preference page, per topic
  r.get("/e/p/:id/:sig", (c) => preferences(c, false));

  // POST /e/p/:id/:sig — save preferences (an HTML form; works without JavaScript)
  r.openapi(
    createRoute({
      method: "post",
      path: "/e/p/{id}/{sig}",
      tags: ["emails: public"],
      summary: "Save email preferences",
      description: "The preference page's form. Checked topics are kept; `all=off` leaves every email.",
      request: {
        params: SignedParams,
        body: {
          content: {
            "application/x-www-form-urlencoded": {
              schema: z.object({
                marketing: z.literal("on").optional(),
                product_updates: z.literal("on").optional(),
                status_notifications: z.literal("on").optional(),
                all: z.literal("off").optional(),
              }),
            },
          },
        },
      },
      responses: {
        200: { description: "Saved (the page again)", content: { "text/html": { schema: z.string() } } },
        400: problemContent("Not a valid form"),
        404: { description: "Unknown or badly signed link", content: { "text/html": { schema: z.string() } } },
      },
    }),
    async (c) => {
      const { id, sig } = c.req.valid("param");
      if (!(await verifyLink(c.env.SIGNING_SECRET, "p", id, sig))) return gone(c);
      const form = c.req.valid("form");
      const db = getDb(c.env.DB);
      if (!(await db.query.contacts.findFirst({ where: eq(contacts.id, id) }))) return gone(c);
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
  r.openapi(
    createRoute({
      method: "get",
      path: "/e/o/{id}/{sig}",
      tags: ["emails: public"],
      summary: "Open pixel",
      request: { params: SignedParams },
      responses: { 200: { description: "A 1×1 GIF", content: { "image/gif": { schema: z.string() } } } },
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
  r.get("/e/c/:id/:sig", async (c) => {
    const { id, sig } = c.req.param();
    if (!(await verifyLink(c.env.SIGNING_SECRET, "c", id, sig))) return gone(c);
    const db = getDb(c.env.DB);
    const link = await linkTarget(db, id);
    if (!link) return gone(c);
    c.executionCtx.waitUntil(recordClick(db, link.messageId));
    c.header("cache-control", "private, no-store");
    return c.redirect(link.url, 302);
  });
}
