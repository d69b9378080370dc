import { env } from "cloudflare:workers";
import { and, eq, inArray, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { emailMessages, statusNotices, statusNotifications, statusSubscribers } from "../../db/schema/index.ts";
import { emailFor } from "../../worker/status/notices.ts";
import { staleNotifyWork } from "../../worker/status/store/notifications.ts";
import { subscriberToken } from "../../worker/status/subscriptions.ts";
import { call, db, eventually, freshRateWindow, runJobs } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

type Received = { headers: Record<string, string>; body: string };
const isChallenge = (r: Received) => r.body.includes('"type":"subscription.challenge"');
/** What `path` received: its subscription challenges, and everything else (notifications). */
async function receivedAt(path: string) {
  const all = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Received[];
  return { challenges: all.filter(isChallenge), notifications: all.filter((r) => !isChallenge(r)) };
}
const received = async (path: string) => (await receivedAt(path)).notifications;

type SubscribeAnswer = { id: string; kind: string; secret: string | null; active: boolean; detail: string | null };
/** A subscription through the public API, as one visitor (its own rate-limit key). */
async function subscribeAs(slug: string, json: Record<string, unknown>, visitor = crypto.randomUUID()) {
  const res = await call(`/status/${slug}/api/v2/subscribers.json`, {
    method: "POST",
    json,
    headers: { "cf-connecting-ip": visitor },
  });
  return { res, body: (await res.json()) as SubscribeAnswer };
}

/** A webhook subscriber whose endpoint echoes the challenge (`/echo/…`), so it is active. */
async function hookSubscriber(
  slug: string,
  scope: { componentIds?: string[]; groupIds?: string[] } = {},
  path = `/echo/status-hooks/${crypto.randomUUID()}`,
) {
  const { res, body } = await subscribeAs(slug, { url: `${env.RECEIVER_URL}${path}`, ...scope });
  expect(res.status).toBe(202);
  expect(body).toMatchObject({ kind: "webhook", active: true, detail: null });
  return { path, id: body.id, secret: String(body.secret) };
}

const subscriber = async (id: string) =>
  (await db().select().from(statusSubscribers).where(eq(statusSubscribers.id, id)))[0];

/** The outbox row the emails capability keeps for a status notification (its key is the notification's). */
const outboxFor = async (notificationId: string) =>
  (
    await db()
      .select()
      .from(emailMessages)
      .where(eq(emailMessages.idempotencyKey, `status:${notificationId}`))
  )[0];

/**
 * A page's notice notifications once every notice is fanned out and none is pending: past this
 * point nothing more is sent for them, so what a subscriber has not received it never will.
 */
async function settledNotifications(pageId: string) {
  return eventually(async () => {
    const notices = await db().select().from(statusNotices).where(eq(statusNotices.pageId, pageId));
    if (!notices.length || notices.some((n) => n.fannedOutAt === null)) return undefined;
    const rows = await db()
      .select()
      .from(statusNotifications)
      .where(
        inArray(
          statusNotifications.noticeId,
          notices.map((n) => n.id),
        ),
      );
    return rows.every((r) => r.state !== "pending") ? { notices, rows } : undefined;
  });
}

describe("email subscriptions", () => {
  it("need confirmation (a POST: a GET only shows the button) and hand the confirmation email to emails", async () => {
    const { slug } = await makePage();
    const email = `Ops-${crypto.randomUUID().slice(0, 6)}@Example.com`;
    const { res, body } = await postJson(`/status/${slug}/api/v2/subscribers.json`, "", { email });
    expect(res.status).toBe(202);
    // The subscriber's next reads start where this write left the database (D1 read replication).
    expect(res.headers.get("x-d1-bookmark")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}\.[\w-]{22}$/);
    expect(body.secret).toBeNull();
    expect((await subscriber(body.id)).confirmedAt).toBeNull();
    // Handed to the emails capability in the batch that marks it sent, keyed by the notification.
    const [confirm] = await eventually(async () => {
      const rows = await db()
        .select()
        .from(statusNotifications)
        .where(and(eq(statusNotifications.subscriberId, body.id), like(statusNotifications.noticeId, "confirm:%")));
      return rows[0]?.state === "sent" ? rows : undefined;
    });
    expect(await outboxFor(confirm.id)).toMatchObject({ topic: "transactional", toAddress: email.toLowerCase() });

    const token = await subscriberToken(env.SIGNING_SECRET, "confirm", body.id);
    const view = await call(`/status/${slug}/confirm/${token}`);
    expect(view.status).toBe(200);
    expect(await view.text()).toContain('<form method="post">');
    expect((await subscriber(body.id)).confirmedAt).toBeNull();
    expect((await call(`/status/${slug}/confirm/${token}`, { method: "POST" })).status).toBe(200);
    expect((await subscriber(body.id)).confirmedAt).toBeTypeOf("number");

    expect((await call(`/status/${slug}/confirm/${body.id}.forged`, { method: "POST" })).status).toBe(404);

    const unsub = await subscriberToken(env.SIGNING_SECRET, "unsubscribe", body.id);
    const one = await call(`/status/${slug}/unsubscribe/${unsub}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(one.status).toBe(200);
    expect((await subscriber(body.id)).unsubscribedAt).toBeTypeOf("number");
  });

  it("the no-JS form accepts an email with chosen components and explains a bad one", async () => {
    const { slug, page, group, components } = await makePage();
    const html = await (await call(`/status/${slug}`)).text();
    expect(html).toContain(`name="componentIds" value="${components[0].id}"`);
    expect(html).toContain(`name="groupIds" value="${group.id}"`);
    const form = (email: string) =>
      call(`/status/${slug}/subscribe`, {
        method: "POST",
        body: new URLSearchParams([
          ["email", email],
          ["componentIds", String(components[0].id)],
          ["componentIds", String(components[1].id)],
          ["groupIds", String(group.id)],
        ]).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    const bad = await form("not-an-email");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Check your email address");
    const ok = await form(`form-${crypto.randomUUID().slice(0, 6)}@example.com`);
    expect(ok.status).toBe(202);
    expect(await ok.text()).toContain("Check your inbox");
    const [sub] = await db()
      .select()
      .from(statusSubscribers)
      .where(eq(statusSubscribers.pageId, String(page.id)));
    expect(sub.componentIds).toEqual([components[0].id, components[1].id]);
    expect(sub.groupIds).toEqual([group.id]);
  });

  it("limited to some components are emailed about those only; a whole-page subscriber about all", async () => {
    const { key, slug, page, components } = await makePage();
    const subscribe = async (email: string, componentIds?: string[]) => {
      const { res, body } = await postJson(`/status/${slug}/api/v2/subscribers.json`, "", { email, componentIds });
      expect(res.status).toBe(202);
      const token = await subscriberToken(env.SIGNING_SECRET, "confirm", body.id);
      expect((await call(`/status/${slug}/confirm/${token}`, { method: "POST" })).status).toBe(200);
      return body.id;
    };
    const onFirst = await subscribe(`first-${crypto.randomUUID().slice(0, 6)}@example.com`, [components[0].id]);
    const everything = await subscribe(`all-${crypto.randomUUID().slice(0, 6)}@example.com`);
    await postJson(`/api/v1/status/components/${components[1].id}`, key, { status: "major_outage" }, "PATCH");
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "partial_outage" }, "PATCH");

    const { notices, rows } = await settledNotifications(String(page.id));
    const noticeFor = (id: string) => notices.find((n) => n.componentIds.includes(id))?.id;
    const told = (subscriberId: string) =>
      rows
        .filter((r) => r.subscriberId === subscriberId)
        .map((r) => r.noticeId)
        .sort();
    expect(told(onFirst)).toEqual([noticeFor(components[0].id)]);
    expect(told(everything)).toEqual([noticeFor(components[0].id), noticeFor(components[1].id)].sort());
    // Each notification is in the outbox, as a status notification to its subscriber.
    for (const r of rows) {
      expect(r.state).toBe("sent");
      expect(await outboxFor(r.id)).toMatchObject({ topic: "status_notifications" });
    }
  });

  it("refuses input that names neither or both, or another page's components", async () => {
    const a = await makePage();
    const b = await makePage(a.key);
    expect((await postJson(`/status/${a.slug}/api/v2/subscribers.json`, "", {})).res.status).toBe(400);
    expect(
      (await postJson(`/status/${a.slug}/api/v2/subscribers.json`, "", { email: "x@example.com", url: "https://x.io" }))
        .res.status,
    ).toBe(400);
    const foreign = await postJson(`/status/${a.slug}/api/v2/subscribers.json`, "", {
      email: "y@example.com",
      componentIds: [b.components[0].id],
    });
    expect(foreign.res.status).toBe(400);
  });
});

describe("webhook subscriptions", () => {
  it("notify on incidents for their components, groups (including components added later) and the whole page", async () => {
    const { key, slug, page, group, components } = await makePage();
    const whole = await hookSubscriber(slug);
    const onFirst = await hookSubscriber(slug, { componentIds: [components[0].id] });
    const onGroup = await hookSubscriber(slug, { groupIds: [String(group.id)] });

    const added = await postJson(`/api/v1/status/pages/${page.id}/components`, key, {
      name: "Added later",
      groupId: group.id,
    });
    const inc = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Queue <b>backlog</b>",
      body: "Investigating",
      components: [{ id: added.body.id, status: "degraded_performance" }],
    });
    const [got] = await eventually(async () => {
      const r = await received(onGroup.path);
      return r.length ? r : undefined;
    });
    const event = new Webhook(onGroup.secret).verify(got.body, got.headers) as {
      type: string;
      data: { incidentId: string; subject: string };
    };
    expect(event.type).toBe("incident.created");
    expect(event.data.incidentId).toBe(inc.body.id);
    expect(event.data.subject).toBe("Incident: Queue <b>backlog</b>");
    // Once the notice is fully delivered, the subscriber to another component was never told.
    const { rows } = await settledNotifications(String(page.id));
    expect(rows.map((r) => r.subscriberId).sort()).toEqual([whole.id, onGroup.id].sort());
    expect(await received(whole.path)).toHaveLength(1);
    expect(await received(onFirst.path)).toHaveLength(0);

    await postJson(`/api/v1/status/incidents/${inc.body.id}/updates`, key, { status: "monitoring", body: "Draining" });
    await eventually(async () => (await received(whole.path)).length === 2);
    await settledNotifications(String(page.id));
    expect(await received(onGroup.path)).toHaveLength(2);
    expect(await received(onFirst.path)).toHaveLength(0);
  });

  it("notify a component change without an incident, and retry a failing endpoint until it succeeds", async () => {
    const { key, slug, components } = await makePage();
    const ok = await hookSubscriber(slug, { componentIds: [components[1].id] });
    // It answers the challenge, then fails the first notification and accepts the next.
    const flaky = await hookSubscriber(slug, {}, `/echo/fail-first/1/${crypto.randomUUID()}`);
    await postJson(`/api/v1/status/components/${components[1].id}`, key, { status: "major_outage" }, "PATCH");
    const [got] = await eventually(async () => {
      const r = await received(ok.path);
      return r.length ? r : undefined;
    });
    const event = new Webhook(ok.secret).verify(got.body, got.headers) as {
      type: string;
      data: { newStatus: string };
    };
    expect(event).toMatchObject({ type: "component.status_changed", data: { newStatus: "major_outage" } });
    const [row] = await eventually(async () => {
      const r = await db().select().from(statusNotifications).where(eq(statusNotifications.subscriberId, flaky.id));
      return r[0]?.attempts ? r : undefined;
    });
    expect(row).toMatchObject({ state: "pending", attempts: 1, lastError: "HTTP 500" });

    // The queue retries it after a backoff; should that message be lost, the cron backstop offers
    // it again. Either way the retry is the same message, and it succeeds.
    const later = Date.now() + 16 * 60_000;
    const backstop = (await staleNotifyWork(db(), later)).filter(
      (m) => m.kind === "status.notify.deliver" && m.ids.includes(row.id),
    );
    expect(backstop).toHaveLength(1);
    await runJobs(...backstop);
    const [first, retry] = await received(flaky.path);
    expect(retry).toBeDefined();
    expect(retry.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(new Webhook(flaky.secret).verify(retry.body, retry.headers)).toMatchObject({
      type: "component.status_changed",
      data: { newStatus: "major_outage" },
    });
    const [after] = await db().select().from(statusNotifications).where(eq(statusNotifications.id, row.id));
    expect(after).toMatchObject({ state: "sent", attempts: 2 });
    // Sent is final: offering it again sends nothing more.
    await runJobs(...backstop);
    expect(await received(flaky.path)).toHaveLength(2);
  });

  it("check the URL again as they send: one that became a metadata address fails at once, unsent", async () => {
    const { key, slug, components } = await makePage();
    const hook = await hookSubscriber(slug);
    // As if stored before the rule existed: refused even where private URLs are allowed.
    await db()
      .update(statusSubscribers)
      .set({ url: "http://[::ffff:a9fe:a9fe]/latest/meta-data/" })
      .where(eq(statusSubscribers.id, hook.id));
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "major_outage" }, "PATCH");
    const [row] = await eventually(async () => {
      const r = await db().select().from(statusNotifications).where(eq(statusNotifications.subscriberId, hook.id));
      return r[0]?.attempts ? r : undefined;
    });
    expect(row).toMatchObject({ state: "failed", attempts: 1 });
    expect(row.lastError).toMatch(/^refused: points at a link-local or cloud metadata address/);
  });

  it("admins list and remove subscribers", async () => {
    const { key, slug, page } = await makePage();
    const hook = await hookSubscriber(slug);
    const list = (await (await call(`/api/v1/status/pages/${page.id}/subscribers`, { key })).json()) as {
      data: Array<{ id: string; kind: string; url: string }>;
    };
    expect(list.data).toEqual([expect.objectContaining({ id: hook.id, kind: "webhook" })]);
    expect((await call(`/api/v1/status/subscribers/${hook.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/api/v1/status/subscribers/${hook.id}`, { method: "DELETE", key })).status).toBe(404);
  });
});

describe("webhook subscription challenge", () => {
  const notificationsFor = (id: string) =>
    db().select().from(statusNotifications).where(eq(statusNotifications.subscriberId, id));

  it("is a signed Standard Webhooks POST; an endpoint that echoes it is active and gets notifications", async () => {
    const { key, page, slug, components } = await makePage();
    const secret = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
    const path = `/echo-json/${crypto.randomUUID()}`;
    const { res, body } = await subscribeAs(slug, { url: `${env.RECEIVER_URL}${path}`, secret });
    expect(res.status).toBe(202);
    expect(body).toEqual({ id: body.id, kind: "webhook", secret, active: true, detail: null });

    const [challenge] = (await receivedAt(path)).challenges;
    // Verifiable with the secret the endpoint chose, before it has seen this answer.
    const msg = new Webhook(secret).verify(challenge.body, challenge.headers) as Record<string, unknown>;
    expect(msg).toMatchObject({
      type: "subscription.challenge",
      challenge: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      data: { subscriberId: body.id, page: { id: page.id, slug } },
    });
    expect((await subscriber(body.id)).confirmedAt).toBeTypeOf("number");

    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "major_outage" }, "PATCH");
    const [got] = await eventually(async () => {
      const r = await received(path);
      return r.length ? r : undefined;
    });
    expect(new Webhook(secret).verify(got.body, got.headers)).toMatchObject({ type: "component.status_changed" });
  });

  it("an endpoint that does not echo it stays pending, is told why, and never gets a notification", async () => {
    const { key, slug, components } = await makePage();
    const quiet = `/quiet/${crypto.randomUUID()}`;
    const { res, body } = await subscribeAs(slug, { url: `${env.RECEIVER_URL}${quiet}` });
    expect(res.status).toBe(202);
    expect(body).toMatchObject({
      kind: "webhook",
      active: false,
      detail: "the endpoint's answer did not echo the challenge",
    });
    expect(body.secret).toMatch(/^whsec_/);
    expect((await subscriber(body.id)).confirmedAt).toBeNull();
    const control = await hookSubscriber(slug);

    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "major_outage" }, "PATCH");
    await eventually(async () => (await received(control.path)).length === 1);
    expect(await receivedAt(quiet)).toMatchObject({ challenges: [expect.anything()], notifications: [] });
    expect(await notificationsFor(body.id)).toEqual([]);
  });

  it("an endpoint that is down or fails leaves the subscription pending with the reason, never a 500", async () => {
    const { slug } = await makePage();
    const down = await subscribeAs(slug, { url: "http://127.0.0.1:1/hook" });
    expect(down.res.status).toBe(202);
    expect(down.body).toMatchObject({
      active: false,
      detail: expect.stringMatching(/^the challenge could not be delivered/),
    });
    const failing = await subscribeAs(slug, { url: `${env.RECEIVER_URL}/status/500/${crypto.randomUUID()}` });
    expect(failing.body).toMatchObject({ active: false, detail: "the endpoint answered the challenge with HTTP 500" });
    for (const b of [down.body, failing.body]) expect((await subscriber(b.id)).confirmedAt).toBeNull();
  });

  it("subscribing a URL again replaces the earlier subscription for it on that page", async () => {
    const { slug, page, components } = await makePage();
    const first = await hookSubscriber(slug);
    const again = await hookSubscriber(slug, { componentIds: [components[0].id] }, first.path);
    expect(again.secret).not.toBe(first.secret);
    const quiet = `${env.RECEIVER_URL}/quiet/${crypto.randomUUID()}`;
    await subscribeAs(slug, { url: quiet });
    const pending = await subscribeAs(slug, { url: quiet });
    const rows = await db()
      .select()
      .from(statusSubscribers)
      .where(eq(statusSubscribers.pageId, String(page.id)));
    expect(rows.map((r) => r.id).sort()).toEqual([again.id, pending.body.id].sort());
    expect(rows.find((r) => r.id === again.id)?.componentIds).toEqual([components[0].id]);
  });

  it("refuses a malformed secret, and a secret without a URL", async () => {
    const { slug } = await makePage();
    const url = `${env.RECEIVER_URL}/echo/${crypto.randomUUID()}`;
    for (const json of [
      { url, secret: "whsec_short" },
      { url, secret: `whsec_${"A".repeat(31)}` },
      { url, secret: `sk_${"A".repeat(40)}` },
      { email: "a@example.com", secret: `whsec_${"A".repeat(32)}` },
    ]) {
      const { res } = await subscribeAs(slug, json);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("is rate limited per visitor: over the limit is a 429 problem and subscribes nothing", async () => {
    const { slug, page } = await makePage();
    const visitor = crypto.randomUUID();
    const url = () => `${env.RECEIVER_URL}/quiet/${crypto.randomUUID()}`;
    await freshRateWindow();
    const statuses: number[] = [];
    let limited: { res: Response; body: unknown } | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const answer = await subscribeAs(slug, { url: url() }, visitor);
      statuses.push(answer.res.status);
      if (answer.res.status === 429) limited = answer;
    }
    expect(statuses).toEqual([...Array(30).fill(202), 429]);
    expect(limited?.res.headers.get("content-type")).toBe("application/problem+json");
    expect(limited?.body).toMatchObject({ type: "urn:rapport:problem:rate-limited", status: 429 });
    const rows = await db()
      .select()
      .from(statusSubscribers)
      .where(eq(statusSubscribers.pageId, String(page.id)));
    expect(rows).toHaveLength(30);
    expect((await subscribeAs(slug, { url: url() })).res.status).toBe(202);
  }, 40_000);
});

describe("notice emails", () => {
  it("escape incident text in the HTML part and carry the unsubscribe link", () => {
    const page = { slug: "acme", name: "Acme <Cloud>" } as Parameters<typeof emailFor>[0];
    const mail = emailFor(
      page,
      "https://status.example.com",
      "Incident: <script>x</script>",
      'Down <img src=x onerror="alert(1)">\nsecond line',
      "https://status.example.com/status/acme/unsubscribe/t",
    );
    expect(mail.html).not.toContain("<img");
    expect(mail.html).not.toContain("<Cloud>");
    expect(mail.html).toContain("Down &lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br>second line");
    expect(mail.html).toContain('href="https://status.example.com/status/acme/unsubscribe/t"');
    expect(mail.text).toContain("Unsubscribe: https://status.example.com/status/acme/unsubscribe/t");
  });
});
