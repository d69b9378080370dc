import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { statusNotifications, statusSubscribers } from "../../db/schema/index.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { emailFor, subscriberToken } from "../../worker/status/subscriptions.ts";
import { call, db, eventually } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

type Received = { headers: Record<string, string>; body: string };
const received = async (path: string) =>
  (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Received[];

async function hookSubscriber(slug: string, scope: { componentIds?: string[]; groupIds?: string[] } = {}) {
  const path = `/status-hooks/${crypto.randomUUID()}`;
  const { res, body } = await postJson(`/status/${slug}/api/v2/subscribers.json`, "", {
    url: `${env.RECEIVER_URL}${path}`,
    ...scope,
  });
  expect(res.status).toBe(202);
  return { path, id: body.id, secret: String(body.secret) };
}

const subscriber = async (id: string) =>
  (await db().select().from(statusSubscribers).where(eq(statusSubscribers.id, id)))[0];

describe("email subscriptions", () => {
  it("need confirmation (a POST: a GET only shows the button) and hand the confirmation email to emails", async () => {
    const { slug } = await makePage();
    const { res, body } = await postJson(`/status/${slug}/api/v2/subscribers.json`, "", {
      email: `Ops-${crypto.randomUUID().slice(0, 6)}@Example.com`,
    });
    expect(res.status).toBe(202);
    expect(body.secret).toBeNull();
    expect((await subscriber(body.id)).confirmedAt).toBeNull();
    // Handed to the emails capability when it queues mail; kept pending (not lost) while it does not.
    const probe = { to: "x@example.com", subject: "s", html: "h", text: "t", topic: "transactional" as const };
    const handed = emailStatements(db(), [{ ...probe, idempotencyKey: "probe" }]).length > 0;
    await eventually(async () => {
      const rows = await db()
        .select()
        .from(statusNotifications)
        .where(and(eq(statusNotifications.subscriberId, body.id), like(statusNotifications.noticeId, "confirm:%")));
      return handed ? rows[0]?.state === "sent" : rows[0]?.lastError === "waiting for the emails capability";
    });

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
    await eventually(async () => (await received(whole.path)).length === 1);
    expect(await received(onFirst.path)).toHaveLength(0);

    await postJson(`/api/v1/status/incidents/${inc.body.id}/updates`, key, { status: "monitoring", body: "Draining" });
    await eventually(async () => (await received(whole.path)).length === 2);
  });

  it("notify a component change without an incident, and retry a failing endpoint", async () => {
    const { key, slug, components } = await makePage();
    const ok = await hookSubscriber(slug, { componentIds: [components[1].id] });
    const failing = await postJson(`/status/${slug}/api/v2/subscribers.json`, "", {
      url: `${env.RECEIVER_URL}/status/500/${crypto.randomUUID()}`,
    });
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
      const r = await db()
        .select()
        .from(statusNotifications)
        .where(eq(statusNotifications.subscriberId, failing.body.id));
      return r[0]?.attempts ? r : undefined;
    });
    expect(row).toMatchObject({ state: "pending", lastError: "HTTP 500" });
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
