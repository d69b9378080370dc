// The whole Segment HTTP Tracking API as real libraries send it: every call type and analytics.js
// path, bodies in any label or gzip, the write key in the body, clock skew, CORS, groups and
// the merge of an anonymous visitor into the known contact.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accountMembers,
  accounts,
  contactEventDaily,
  contactEventStats,
  contacts,
  emailEvents,
  emailMessages,
  emailProfiles,
  emailTriggers,
} from "../../db/schema/index.ts";
import { EVAL_LAG_MS, evaluateTrigger } from "../../worker/emails/evaluate.ts";
import { call, db, matchCount, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const basic = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` });
const day = (d: number) => new Date(Date.UTC(2026, 1, d, 12)).toISOString();

async function post(path: string, json: unknown, headers: Record<string, string>) {
  return call(path, { method: "POST", json, headers });
}
async function contactOf(externalId: string) {
  const [c] = await db().select().from(contacts).where(eq(contacts.externalId, externalId));
  return c;
}
async function statsOf(contactId: string) {
  const rows = await db().select().from(contactEventStats).where(eq(contactEventStats.contactId, contactId));
  return Object.fromEntries(rows.map((r) => [r.event, { count: r.count, firstAt: r.firstAt, lastAt: r.lastAt }]));
}
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
const raw = (path: string, body: BodyInit, headers: Record<string, string>) =>
  call(path, { method: "POST", body, headers });

describe("every Segment call type", () => {
  it("page, screen, group and alias have their endpoints, and analytics.js's one-letter paths answer", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const calls: Array<[string, Record<string, unknown>]> = [
      ["/v1/page", { userId: user, name: "Pricing", properties: { path: "/pricing" } }],
      ["/v1/screen", { userId: user, name: "Home" }],
      ["/v1/group", { userId: user, groupId: `g-${uid()}`, traits: { name: "Acme" } }],
      ["/v1/alias", { userId: user, previousId: `anon-${uid()}` }],
      ["/v1/t", { type: "track", userId: user, event: "short_path" }],
      ["/v1/i", { type: "identify", userId: user, traits: { plan: "pro" } }],
      ["/v1/p", { type: "page", userId: user, name: "Docs" }],
      ["/v1/s", { type: "screen", userId: user }],
      ["/v1/g", { type: "group", userId: user, groupId: `g-${uid()}` }],
      ["/v1/a", { type: "alias", userId: user, previousId: `anon-${uid()}` }],
      ["/v1/b", { batch: [{ type: "track", userId: user, event: "short_batch" }] }],
    ];
    for (const [path, json] of calls) {
      const res = await post(path, json, basic(key));
      expect(res.status, path).toBe(200);
      expect(await res.json(), path).toMatchObject({ success: true, accepted: 1, ignored: 0 });
    }
    const c = await contactOf(user);
    const events = await db().select().from(emailEvents).where(eq(emailEvents.contactId, c.id));
    expect(events.map((e) => e.event).sort()).toEqual(
      ["page_viewed", "page_viewed", "screen_viewed", "screen_viewed", "short_batch", "short_path"].sort(),
    );
    expect(events.find((e) => e.properties.name === "Pricing")?.properties).toMatchObject({ path: "/pricing" });
    expect(c.traits).toMatchObject({ plan: "pro" });
    // analytics.js's own telemetry needs no key and is dropped.
    const metrics = await call("/v1/m", {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://shop.example" },
      body: JSON.stringify({ series: [{ type: "Counter", metric: "analytics_js.invoke", value: 1, tags: {} }] }),
    });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("access-control-allow-origin")).toBe("*");
    // A call of another type on a one-type path is refused.
    expect((await post("/v1/p", { type: "track", userId: user, event: "x" }, basic(key))).status).toBe(400);
    expect((await post("/v1/alias", { previousId: "x" }, basic(key))).status).toBe(400);
    expect((await post("/v1/group", { userId: user }, basic(key))).status).toBe(400);
  });

  it("group records the account's traits and the contact's membership, shown in the export and usable by triggers", async () => {
    const key = await newKey(["emails"]);
    const [ada, bob] = [`ada-${uid()}`, `bob-${uid()}`];
    const acme = `acme-${uid()}`;
    const ev = `report_${uid()}`;
    await post(
      "/v1/batch",
      {
        context: { traits: {} },
        batch: [
          { type: "group", userId: ada, groupId: acme, traits: { name: "Acme", plan: "pro", seats: 5 } },
          // Later traits merge into what is known.
          { type: "group", userId: ada, groupId: acme, traits: { plan: "enterprise" } },
          { type: "group", userId: bob, groupId: `other-${uid()}`, traits: { plan: "free" } },
          ...[ada, bob].map((u) => ({
            type: "track",
            userId: u,
            event: ev,
            context: { traits: { email: `${u}@example.com` } },
          })),
        ],
      },
      basic(key),
    );
    const [account] = await db().select().from(accounts).where(eq(accounts.externalId, acme));
    expect(account).toMatchObject({ name: "Acme", traits: { name: "Acme", plan: "enterprise", seats: 5 } });
    const adaContact = await contactOf(ada);
    const members = await db().select().from(accountMembers).where(eq(accountMembers.accountId, account.id));
    expect(members.map((m) => m.contactId)).toEqual([adaContact.id]);

    // The GDPR export (admin) has the accounts in emails' section.
    const exported = (await (
      await call(`/api/v1/contacts/${adaContact.id}/export`, { key: await newKey() })
    ).json()) as {
      emails: { accounts: Array<{ groupId: string; traits: Record<string, unknown> }> };
    };
    expect(exported.emails.accounts).toEqual([
      expect.objectContaining({ groupId: acme, name: "Acme", traits: { name: "Acme", plan: "enterprise", seats: 5 } }),
    ]);

    const count = (filters: unknown[]) => matchCount(key, ev, filters);
    expect(await count([])).toEqual({ matching: 2 });
    expect(await count([{ of: "account", trait: "plan", op: "eq", value: "enterprise" }])).toEqual({ matching: 1 });
    expect(await count([{ of: "account", trait: "seats", op: "gte", value: 3 }])).toEqual({ matching: 1 });
    expect(await count([{ of: "account", trait: "plan", op: "neq", value: "enterprise" }])).toEqual({ matching: 1 });
    expect(await count([{ of: "account", trait: "seats", op: "not_exists" }])).toEqual({ matching: 1 });
  });
});

describe("alias and identify merge an anonymous visitor into the known contact", () => {
  async function visitorThenUser(key: string) {
    const anon = `v-${uid()}`;
    const user = `u-${uid()}`;
    const group = `g-${uid()}`;
    // The known user: one pricing view, opted out of status notifications.
    await post(
      "/v1/batch",
      {
        batch: [
          {
            type: "identify",
            userId: user,
            traits: { email: `${user}@example.com`, plan: "pro" },
            context: { consent: { categoryPreferences: { status_notifications: false } } },
          },
          { type: "track", userId: user, event: "viewed_pricing", messageId: `${user}-3`, timestamp: day(3) },
        ],
      },
      basic(key),
    );
    // The same person before signing in, on a website: two pricing views, a page, an account,
    // consent from the cookie banner.
    await post(
      "/v1/batch",
      {
        context: {
          consent: { categoryPreferences: { marketing: true, product_updates: false, status_notifications: true } },
        },
        batch: [
          { type: "track", anonymousId: anon, event: "viewed_pricing", messageId: `${anon}-1`, timestamp: day(1) },
          { type: "track", anonymousId: anon, event: "viewed_pricing", messageId: `${anon}-2`, timestamp: day(2) },
          { type: "page", anonymousId: anon, name: "Home", messageId: `${anon}-p`, timestamp: day(2) },
          { type: "identify", anonymousId: anon, traits: { referrer: "ad", plan: "free" } },
          { type: "group", anonymousId: anon, groupId: group },
        ],
      },
      basic(key),
    );
    const visitor = await contactOf(`anon:${anon}`);
    expect(visitor).toBeDefined();
    return { anon, user, group, visitor };
  }

  async function expectMerged(user: string, visitorId: string, plan = "pro") {
    const c = await contactOf(user);
    expect(await statsOf(c.id)).toEqual({
      viewed_pricing: { count: 3, firstAt: Date.parse(day(1)), lastAt: Date.parse(day(3)) },
      page_viewed: { count: 1, firstAt: Date.parse(day(2)), lastAt: Date.parse(day(2)) },
    });
    const days = await db().select().from(contactEventDaily).where(eq(contactEventDaily.contactId, c.id));
    expect(days.map((d) => d.count).reduce((a, b) => a + b, 0)).toBe(4);
    const [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id));
    expect(p).toMatchObject({
      eventCount: 4,
      firstEventAt: Date.parse(day(1)),
      lastEventAt: Date.parse(day(3)),
      consentMarketing: true,
      consentProductUpdates: false,
      // An explicit "no" on either side wins.
      consentStatusNotifications: false,
    });
    expect(await db().select().from(emailEvents).where(eq(emailEvents.contactId, c.id))).toHaveLength(4);
    // The known contact's traits win; the visitor's fill the gaps.
    expect(c.traits).toMatchObject({ plan, referrer: "ad" });
    // Nothing is left on the visitor.
    expect(await db().select().from(contacts).where(eq(contacts.id, visitorId))).toEqual([]);
    expect(await statsOf(visitorId)).toEqual({});
    return c;
  }

  it("alias moves events, aggregates, consent, accounts and messages once; repeats and old anonymousIds land on the user", async () => {
    const key = await newKey(["emails"]);
    const { anon, user, group, visitor } = await visitorThenUser(key);
    // A message queued for the visitor (another capability's mail, say) follows the person.
    await db()
      .insert(emailMessages)
      .values({
        id: `m_${uid()}`,
        idempotencyKey: `merge-${anon}`,
        contactId: visitor.id,
        topic: "marketing",
        sendAfter: 0,
      });

    const res = await post("/v1/alias", { previousId: anon, userId: user }, basic(key));
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, ignored: 0 });
    const c = await expectMerged(user, visitor.id);
    const [message] = await db()
      .select()
      .from(emailMessages)
      .where(eq(emailMessages.idempotencyKey, `merge-${anon}`));
    expect(message.contactId).toBe(c.id);
    const [account] = await db().select().from(accounts).where(eq(accounts.externalId, group));
    const members = await db().select().from(accountMembers).where(eq(accountMembers.accountId, account.id));
    expect(members.map((m) => m.contactId)).toEqual([c.id]);

    // Again: nothing moves twice.
    await post("/v1/alias", { previousId: anon, userId: user }, basic(key));
    await post("/v1/identify", { anonymousId: anon, userId: user }, basic(key));
    await expectMerged(user, visitor.id);

    // A retried call of the visitor is still a duplicate; a new one lands on the user.
    const retry = await post(
      "/v1/track",
      { anonymousId: anon, event: "viewed_pricing", messageId: `${anon}-1`, timestamp: day(1) },
      basic(key),
    );
    expect(await retry.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await post("/v1/track", { anonymousId: anon, event: "viewed_pricing", timestamp: day(4) }, basic(key));
    expect((await statsOf(c.id)).viewed_pricing.count).toBe(4);
    expect(await contactOf(`anon:${anon}`)).toBeUndefined();

    const exported = (await (await call(`/api/v1/contacts/${c.id}/export`, { key: await newKey() })).json()) as {
      emails: { aliases: Array<{ alias: string }> };
    };
    expect(exported.emails.aliases).toEqual([expect.objectContaining({ alias: `anon:${anon}` })]);
  });

  it("an identify naming both ids merges too, and the merged contact is one person to triggers", async () => {
    const key = await newKey(["emails"]);
    const tpl = await call("/api/v1/emails/templates", {
      method: "POST",
      key,
      json: { name: "Pricing", subject: "Questions?", html: "<p>Hi</p>", text: "Hi" },
    });
    const res = await call("/api/v1/emails/triggers", {
      method: "POST",
      key,
      json: {
        name: "third pricing view",
        templateId: ((await tpl.json()) as { id: string }).id,
        topic: "transactional",
        entry: { kind: "count_reached", event: "viewed_pricing", count: 3 },
      },
    });
    const trigger = (await res.json()) as { id: string };
    const load = async () => (await db().select().from(emailTriggers).where(eq(emailTriggers.id, trigger.id)))[0];
    const { anon, user, visitor } = await visitorThenUser(key);
    // Apart, neither the visitor (2 views) nor the user (1) reached 3.
    const start = (await load()).watermark;
    const before = await evaluateTrigger(db(), await load(), Date.now() + EVAL_LAG_MS + 1000);
    expect(before.candidates).toBe(0);
    await db().update(emailTriggers).set({ watermark: start }).where(eq(emailTriggers.id, trigger.id));

    const merged = await post(
      "/v1/identify",
      { anonymousId: anon, userId: user, traits: { plan: "team" } },
      basic(key),
    );
    expect(merged.status).toBe(200);
    const c = await contactOf(user);
    expect(c.traits).toMatchObject({ plan: "team", referrer: "ad" });
    await expectMerged(user, visitor.id, "team");
    const after = await evaluateTrigger(db(), await load(), Date.now() + EVAL_LAG_MS + 1000);
    expect(after).toMatchObject({ candidates: 1, queued: 1 });
    const sends = await db().select().from(emailMessages).where(eq(emailMessages.triggerId, trigger.id));
    expect(sends.map((m) => m.contactId)).toEqual([c.id]);
  });

  it("a visitor seen only in the same batch as the identify never becomes a separate contact", async () => {
    const key = await newKey(["emails"]);
    const anon = `v-${uid()}`;
    const user = `u-${uid()}`;
    const res = await post(
      "/v1/b",
      {
        batch: [
          { type: "page", anonymousId: anon, timestamp: day(1) },
          { type: "identify", anonymousId: anon, userId: user },
          { type: "track", anonymousId: anon, event: "clicked", timestamp: day(2) },
        ],
      },
      basic(key),
    );
    expect(await res.json()).toEqual({ success: true, accepted: 3, duplicates: 0, ignored: 0 });
    expect(await contactOf(`anon:${anon}`)).toBeUndefined();
    expect(Object.keys(await statsOf((await contactOf(user)).id)).sort()).toEqual(["clicked", "page_viewed"]);
  });

  it("never merges two known users: an alias from a known userId is ignored", async () => {
    const key = await newKey(["emails"]);
    const [a, b] = [`a-${uid()}`, `b-${uid()}`];
    await post("/v1/track", { userId: a, event: "x" }, basic(key));
    await post("/v1/track", { userId: b, event: "x" }, basic(key));
    const res = await post("/v1/alias", { previousId: a, userId: b }, basic(key));
    expect(await res.json()).toEqual({ success: true, accepted: 0, duplicates: 0, ignored: 1 });
    expect((await post("/v1/alias", { previousId: b, userId: b }, basic(key))).status).toBe(200);
    expect((await statsOf((await contactOf(a)).id)).x.count).toBe(1);
    expect((await statsOf((await contactOf(b)).id)).x.count).toBe(1);
  });
});

describe("bodies as libraries send them", () => {
  it("takes JSON labelled text/plain, form-urlencoded or nothing on /v1/*; /api/v1/events still wants JSON", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "text/plain;charset=UTF-8"]) {
      const res = await raw("/v1/track", JSON.stringify({ userId: user, event: "labelled" }), {
        ...basic(key),
        "content-type": type,
      });
      expect(res.status, type).toBe(200);
    }
    // Bytes carry no Content-Type at all.
    const unlabelled = new TextEncoder().encode(JSON.stringify({ userId: user, event: "labelled" }));
    expect((await raw("/v1/track", unlabelled, basic(key))).status).toBe(200);
    expect((await statsOf((await contactOf(user)).id)).labelled.count).toBe(4);

    const notJson = await raw("/v1/track", "event=x", { ...basic(key), "content-type": "text/plain" });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get("content-type")).toContain("application/problem+json");
    const api = await raw("/api/v1/events", JSON.stringify({ batch: [{ type: "track", userId: user, event: "x" }] }), {
      ...basic(key),
      "content-type": "text/plain",
    });
    expect(api.status).toBe(415);
  });

  it("takes the write key from the body's writeKey, as analytics.js sends it", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const ok = await raw("/v1/t", JSON.stringify({ writeKey: key, type: "track", userId: user, event: "body_key" }), {
      "content-type": "text/plain",
    });
    expect(ok.status).toBe(200);
    const batch = await raw("/v1/b", JSON.stringify({ writeKey: key, batch: [{ type: "page", userId: user }] }), {
      "content-type": "text/plain",
    });
    expect(await batch.json()).toMatchObject({ success: true, accepted: 1 });
    const wrong = await raw("/v1/t", JSON.stringify({ writeKey: "rk_nope", userId: user, event: "x" }), {});
    expect(wrong.status).toBe(401);
    const scope = await raw(
      "/v1/t",
      JSON.stringify({ writeKey: await newKey(["kpis"]), userId: user, event: "x" }),
      {},
    );
    expect(scope.status).toBe(403);
    // No key anywhere, and no JSON either: the missing key is what is reported.
    expect((await raw("/v1/t", "", {})).status).toBe(401);
  });

  it("takes gzip up to 1 MiB decompressed; a gzip bomb is refused with 413 and writes nothing", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const body = (pad: number) => JSON.stringify({ userId: user, event: "zipped" }) + " ".repeat(pad);
    const headers = { ...basic(key), "content-encoding": "gzip", "content-type": "application/json" };
    const ok = await raw("/v1/track", await gzip(body(900 * 1024)), headers);
    expect(ok.status).toBe(200);
    const batch = await raw(
      "/v1/batch",
      await gzip(JSON.stringify({ batch: [{ type: "track", userId: user, event: "zipped" }] })),
      headers,
    );
    expect(batch.status).toBe(200);

    const bomb = await gzip(body(20 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    const res = await raw("/v1/track", bomb, headers);
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await statsOf((await contactOf(user)).id)).zipped.count).toBe(2);

    expect((await raw("/v1/track", new Uint8Array([1, 2, 3, 4]), headers)).status).toBe(400);
    expect((await raw("/v1/track", body(0), { ...headers, "content-encoding": "br" })).status).toBe(415);
  });

  it("corrects the sender's clock with sentAt: timestamp = receivedAt − (sentAt − timestamp)", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    // A device whose clock runs years ahead: the event happened 5 minutes before it was sent.
    const before = Date.now();
    await post(
      "/v1/track",
      {
        userId: user,
        event: "skewed",
        messageId: `${user}-1`,
        timestamp: "2031-05-01T10:00:00.000Z",
        sentAt: "2031-05-01T10:05:00.000Z",
      },
      basic(key),
    );
    // A batch's sentAt applies to its calls (analytics.js batching sends it once per batch).
    await post(
      "/v1/b",
      {
        sentAt: "2031-05-01T10:05:00.000Z",
        batch: [
          {
            type: "track",
            userId: user,
            event: "skewed",
            messageId: `${user}-2`,
            timestamp: "2031-05-01T10:04:00.000Z",
          },
        ],
      },
      basic(key),
    );
    const after = Date.now();
    const rows = await db().select().from(emailEvents).where(eq(emailEvents.event, "skewed"));
    const at = (m: string) => rows.find((r) => r.messageId === m)?.occurredAt as number;
    expect(at(`${user}-1`)).toBeGreaterThanOrEqual(before - 5 * 60_000);
    expect(at(`${user}-1`)).toBeLessThanOrEqual(after - 5 * 60_000);
    expect(at(`${user}-2`)).toBeGreaterThanOrEqual(before - 60_000);
    expect(at(`${user}-2`)).toBeLessThanOrEqual(after - 60_000);
    // Without sentAt, a past timestamp is a backfill, taken as it is.
    await post("/v1/track", { userId: user, event: "backfill", timestamp: day(1) }, basic(key));
    expect((await statsOf((await contactOf(user)).id)).backfill.firstAt).toBe(Date.parse(day(1)));
  });

  it("accepts calls as analytics.js shapes them: userId null, _metadata, context.page", async () => {
    const key = await newKey(["emails"]);
    const anon = `v-${uid()}`;
    const res = await raw(
      "/v1/p",
      JSON.stringify({
        type: "page",
        properties: { path: "/", url: "http://shop.test/", title: "Shop" },
        userId: null,
        anonymousId: anon,
        context: { page: { path: "/" }, library: { name: "analytics.js", version: "npm:next-1.84.3" } },
        integrations: {},
        messageId: `ajs-next-${uid()}`,
        timestamp: new Date().toISOString(),
        writeKey: key,
        sentAt: new Date().toISOString(),
        _metadata: { bundled: ["Segment.io"], unbundled: [], bundledIds: [] },
      }),
      { ...basic(key), "content-type": "text/plain" },
    );
    expect(res.status).toBe(200);
    expect(await contactOf(`anon:${anon}`)).toBeDefined();
  });
});

describe("CORS", () => {
  it("answers browsers on any origin on /v1/*, without credentials", async () => {
    const key = await newKey(["emails"]);
    const pre = await call("/v1/t", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-retry-count",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = pre.headers.get("access-control-allow-headers")?.toLowerCase() ?? "";
    for (const h of ["authorization", "content-type", "content-encoding", "x-retry-count"])
      expect(allowed).toContain(h);
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();

    const ok = await raw("/v1/t", JSON.stringify({ userId: `u-${uid()}`, event: "cors" }), {
      ...basic(key),
      origin: "https://shop.example",
    });
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    expect(ok.headers.get("set-cookie")).toBeNull();
    // Errors too, so a browser library sees the status and does not retry a bad call forever.
    const bad = await raw("/v1/t", JSON.stringify({ event: "x" }), { ...basic(key), origin: "https://shop.example" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("admin routes still refuse other origins", async () => {
    for (const path of ["/api/v1/contacts", "/api/v1/events"]) {
      const pre = await call(path, {
        method: "OPTIONS",
        headers: {
          origin: "https://evil.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      expect(pre.headers.get("access-control-allow-origin"), path).toBeNull();
    }
    const key = await newKey(["emails"]);
    const get = await call("/api/v1/contacts", { key, headers: { origin: "https://evil.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});
