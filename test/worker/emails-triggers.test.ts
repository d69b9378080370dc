import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailMessages, emailTriggers } from "../../db/schema/index.ts";
import { DAY } from "../../worker/emails/churn.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { EVAL_LAG_MS, evaluateTrigger, PAGE } from "../../worker/emails/evaluate.ts";
import { runScheduled } from "../../worker/jobs.ts";
import { call, db, eventually, matchCount, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);

async function admin() {
  return newKey(["emails"]);
}

async function template(key: string) {
  const res = await call("/api/v1/emails/templates", {
    method: "POST",
    key,
    json: { name: "Nudge", subject: "Hi {{ contact.first_name }}", html: "<p>Hi {{ contact.name }}</p>", text: "Hi" },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function trigger(key: string, body: Record<string, unknown>) {
  const res = await call("/api/v1/emails/triggers", { method: "POST", key, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; watermark: number };
}

/** Events for a user: one `event` on each of `daysAgo`, with consent and email via context. */
async function history(key: string, user: string, event: string, daysAgo: number[], marketing = true) {
  const now = Date.now();
  const res = await call("/v1/batch", {
    method: "POST",
    key,
    json: {
      context: { consent: { categoryPreferences: { marketing } }, traits: { email: `${user}@example.com` } },
      batch: daysAgo.map((d, i) => ({
        type: "track",
        userId: user,
        event,
        messageId: `${user}-${event}-${i}`,
        timestamp: new Date(now - d * DAY).toISOString(),
      })),
    },
  });
  expect(res.status).toBe(200);
}

async function load(id: string) {
  const [t] = await db().select().from(emailTriggers).where(eq(emailTriggers.id, id));
  return t;
}
const messagesOf = (triggerId: string) =>
  db().select().from(emailMessages).where(eq(emailMessages.triggerId, triggerId));
async function contactIds(users: string[]) {
  const ids = new Map<string, string>();
  for (const u of users) {
    const c = await db().query.contacts.findFirst({ where: (c, { eq }) => eq(c.externalId, u) });
    ids.set(u, c?.id as string);
  }
  return ids;
}
const later = () => Date.now() + EVAL_LAG_MS + 1000;

/** One `event` by `userId` (with an email) at `ms`. */
async function track(key: string, userId: string, event: string, ms: number) {
  const res = await call("/v1/track", {
    method: "POST",
    key,
    json: {
      userId,
      event,
      context: { traits: { email: `${userId}@example.com` } },
      messageId: `${userId}-${event}-${ms}`,
      timestamp: new Date(ms).toISOString(),
    },
  });
  expect(res.status).toBe(200);
}

describe("triggers API", () => {
  it("validates rules and templates, and 404s unknown ids", async () => {
    const key = await admin();
    const tpl = await template(key);
    const bad = [
      { name: "x", templateId: tpl, entry: { kind: "sometimes" } },
      { name: "x", templateId: tpl, entry: { kind: "absence", days: 0 } },
      { name: "x", templateId: tpl, entry: { kind: "event", event: "a" }, minConfidence: 2 },
      {
        name: "x",
        templateId: tpl,
        entry: { kind: "event", event: "a" },
        filters: [{ trait: "a.b", op: "eq", value: 1 }],
      },
      { name: "x", templateId: "tpl_nope", entry: { kind: "event", event: "a" } },
    ];
    for (const json of bad) {
      const res = await call("/api/v1/emails/triggers", { method: "POST", key, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    expect((await call("/api/v1/emails/triggers/trg_nope", { key })).status).toBe(404);
    const badTemplate = await call("/api/v1/emails/templates", {
      method: "POST",
      key,
      json: { name: "x", subject: "{{ oops", html: "", text: "" },
    });
    expect(badTemplate.status).toBe(400);
    const t = await trigger(key, { name: "ok", templateId: tpl, entry: { kind: "event", event: "a" } });
    const got = (await (await call(`/api/v1/emails/triggers/${t.id}`, { key })).json()) as Record<string, unknown>;
    expect(got).toMatchObject({
      minConfidence: 0.7,
      topic: "marketing",
      rule: { delay: { kind: "none" }, filters: [] },
    });
    expect((await call(`/api/v1/emails/templates/${tpl}`, { method: "DELETE", key })).status).toBe(409);
  });

  it("previews a template with a sample contact, escaping every HTML variable", async () => {
    const key = await admin();
    const res = await call("/api/v1/emails/templates", {
      method: "POST",
      key,
      json: {
        name: "x",
        subject: "For {{ event.properties.title }}",
        html: "<p>{{ event.properties.title }}</p>",
        text: "{{ event.properties.title }}",
      },
    });
    const { id } = (await res.json()) as { id: string };
    const preview = await call(`/api/v1/emails/templates/${id}/preview`, {
      method: "POST",
      key,
      json: { event: { name: "x", properties: { title: "<script>alert(1)</script>" } } },
    });
    expect(await preview.json()).toEqual({
      subject: "For <script>alert(1)</script>",
      html: "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
      text: "<script>alert(1)</script>",
    });
  });
});

describe("trigger evaluation", () => {
  it("an event trigger enters each contact once per occurrence, reading forward from its watermark", async () => {
    const key = await admin();
    const ev = `login_${uid()}`;
    const t = await trigger(key, {
      name: "first login",
      templateId: await template(key),
      entry: { kind: "first_event", event: ev },
    });
    const users = [`a-${uid()}`, `b-${uid()}`];
    for (const u of users) await history(key, u, ev, [0]);
    const out = await evaluateTrigger(db(), await load(t.id), later());
    expect(out).toMatchObject({ candidates: 2, queued: 2, skipped: 0, more: false });
    // Overlapping or repeated evaluation adds nothing.
    await db().update(emailTriggers).set({ watermark: t.watermark }).where(eq(emailTriggers.id, t.id));
    await evaluateTrigger(db(), await load(t.id), later());
    const rows = await messagesOf(t.id);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.state === "queued" && r.idempotencyKey.endsWith(":first"))).toBe(true);
    expect((await load(t.id)).watermark).toBeGreaterThan(t.watermark);
  });

  it("absence: a broken daily habit is queued, a weekly one is skipped below confidence, no consent is skipped", async () => {
    const key = await admin();
    const ev = `workout_${uid()}`;
    const t = await trigger(key, {
      name: "3 days without a workout",
      templateId: await template(key),
      entry: { kind: "absence", event: ev, days: 3 },
      delay: { kind: "local_time", hour: 9 },
    });
    const daily = `daily-${uid()}`;
    const weekly = `weekly-${uid()}`;
    const noConsent = `nc-${uid()}`;
    await history(key, daily, ev, [4, 5, 6, 7, 8, 9, 10, 11]);
    await history(key, weekly, ev, [4, 11, 18, 25]);
    await history(key, noConsent, ev, [4, 5, 6, 7, 8, 9, 10], false);
    // The trigger has been watching for two days: last events 4 days ago crossed 3 days inside that window.
    await db()
      .update(emailTriggers)
      .set({ watermark: Date.now() - 2 * DAY })
      .where(eq(emailTriggers.id, t.id));
    await evaluateTrigger(db(), await load(t.id), later());
    const rows = await messagesOf(t.id);
    expect(rows).toHaveLength(3);
    const ids = await contactIds([daily, weekly, noConsent]);
    const byUser = (u: string) => rows.find((r) => r.contactId === ids.get(u));
    expect(byUser(daily)).toMatchObject({ state: "deferred", deferReason: "delay" });
    expect((byUser(daily)?.confidence ?? 0) >= 0.7).toBe(true);
    // 9:00 in the contact's timezone (UTC by default), in the future.
    expect(new Date(byUser(daily)?.sendAfter ?? 0).getUTCHours()).toBe(9);
    expect(byUser(weekly)).toMatchObject({ state: "skipped", skipReason: "below_confidence" });
    expect(byUser(noConsent)).toMatchObject({ state: "skipped", skipReason: "no_consent" });

    const metrics = (await (await call(`/api/v1/emails/triggers/${t.id}`, { key })).json()) as {
      metrics: { entered: number; skipped: { belowConfidence: number; noConsent: number }; pending: number };
    };
    expect(metrics.metrics).toMatchObject({ entered: 3, skipped: { belowConfidence: 1, noConsent: 1 }, pending: 1 });
  });

  it("churn risk entry scores candidates with the churn formula", async () => {
    const key = await admin();
    const ev = `use_${uid()}`;
    const t = await trigger(key, {
      name: "churn",
      templateId: await template(key),
      topic: "product_updates",
      entry: { kind: "churn_risk", minInactiveDays: 3 },
    });
    const habitual = `h-${uid()}`;
    const casual = `c-${uid()}`;
    await history(
      key,
      habitual,
      ev,
      Array.from({ length: 40 }, (_, i) => 5 + i),
    );
    await history(key, casual, ev, [5, 30]);
    await db()
      .update(emailTriggers)
      .set({ watermark: Date.now() - 3 * DAY })
      .where(eq(emailTriggers.id, t.id));
    await evaluateTrigger(db(), await load(t.id), later());
    // Every contact inactive 3 days is a candidate; look at this test's two.
    const ids = await contactIds([habitual, casual]);
    const rows = await messagesOf(t.id);
    const of = (u: string) => rows.find((r) => r.contactId === ids.get(u));
    expect(of(habitual)).toMatchObject({ state: "queued" });
    expect(of(habitual)?.confidence).toBeGreaterThanOrEqual(0.7);
    expect(of(casual)).toMatchObject({ state: "skipped", skipReason: "below_confidence" });
  });

  it("the editor's live count matches who would enter now, with trait filters", async () => {
    const key = await admin();
    const ev = `feature_${uid()}`;
    const users = [`p-${uid()}`, `q-${uid()}`];
    for (const u of users) await history(key, u, ev, [0]);
    await call("/v1/identify", { method: "POST", key, json: { userId: users[0], traits: { plan: "pro" } } });
    const count = (filters: unknown[]) => matchCount(key, ev, filters);
    expect(await count([])).toEqual({ matching: 2 });
    expect(await count([{ trait: "plan", op: "eq", value: "pro" }])).toEqual({ matching: 1 });
    expect(await count([{ trait: "plan", op: "in", value: ["team", "enterprise"] }])).toEqual({ matching: 0 });
  });

  it("counts with the most `in` filters the rule allows (250 values, over D1's 100 bound parameters)", async () => {
    const key = await admin();
    const ev = `feature_${uid()}`;
    const [pro, free] = [`p-${uid()}`, `f-${uid()}`];
    for (const u of [pro, free]) await history(key, u, ev, [0]);
    await call("/v1/identify", { method: "POST", key, json: { userId: pro, traits: { plan: "pro", seats: 7 } } });
    await call("/v1/identify", { method: "POST", key, json: { userId: free, traits: { plan: "free", seats: 1 } } });
    // Five filters of 50 values each: only the last value of each list is one a contact has.
    const values = (last: string | number, i: number) => [...Array.from({ length: 49 }, (_, n) => `v${i}-${n}`), last];
    const filters = [
      { trait: "plan", op: "in", value: values("pro", 0) },
      { trait: "seats", op: "in", value: values(7, 1) },
      ...[2, 3, 4].map((i) => ({ trait: "plan", op: "in", value: values("pro", i) })),
    ];
    expect(await matchCount(key, ev, filters)).toEqual({ matching: 1 });
  });

  it("count_reached enters a contact once, at the Nth occurrence; more occurrences do not enter it again", async () => {
    const key = await admin();
    const ev = `viewed_${uid()}`;
    const t = await trigger(key, {
      name: "third view",
      // Evaluated here directly; off, so no other test's cron tick evaluates or sends it.
      enabled: false,
      templateId: await template(key),
      topic: "transactional",
      entry: { kind: "count_reached", event: ev, count: 3 },
    });
    const [two, three] = [`two-${uid()}`, `three-${uid()}`];
    await history(key, two, ev, [0.2, 0.1]);
    await history(key, three, ev, [0.3, 0.2, 0.1]);
    expect(await evaluateTrigger(db(), await load(t.id), later())).toMatchObject({ candidates: 1, queued: 1 });
    const ids = await contactIds([two, three]);
    await track(key, three, ev, Date.now() - 1000);
    await evaluateTrigger(db(), await load(t.id), later());
    const rows = await messagesOf(t.id);
    expect(rows.map((r) => r.contactId)).toEqual([ids.get(three)]);
    expect(rows[0].idempotencyKey).toMatch(/:count3$/);
  });

  it("trait_threshold enters contacts whose trait crosses the value, with the operator asked for", async () => {
    const key = await admin();
    const t = await trigger(key, {
      name: "ten seats",
      // Evaluated here directly; off, so no other test's cron tick evaluates or sends it.
      enabled: false,
      templateId: await template(key),
      topic: "transactional",
      entry: { kind: "trait_threshold", trait: "seats", op: "gte", value: 10 },
    });
    const users = { small: `s-${uid()}`, exact: `e-${uid()}`, large: `l-${uid()}` };
    const seats = { small: 9, exact: 10, large: 40 };
    for (const [name, user] of Object.entries(users)) {
      const res = await call("/v1/identify", {
        method: "POST",
        key,
        json: { userId: user, traits: { email: `${user}@example.com`, seats: seats[name as keyof typeof seats] } },
      });
      expect(res.status).toBe(200);
    }
    await evaluateTrigger(db(), await load(t.id), later());
    const ids = await contactIds(Object.values(users));
    const rows = await messagesOf(t.id);
    expect(rows.map((r) => r.contactId).sort()).toEqual([ids.get(users.exact), ids.get(users.large)].sort());
  });

  it("a delay in hours sends that long after entry; the exit event, done in between, skips the send", async () => {
    const key = await admin();
    const [ev, exit] = [`trial_${uid()}`, `paid_${uid()}`];
    const t = await trigger(key, {
      name: "trial nudge",
      templateId: await template(key),
      topic: "transactional",
      entry: { kind: "event", event: ev },
      delay: { kind: "hours", hours: 2 },
      exit: { event: exit },
    });
    // Pinned occurrence times (whole seconds), a minute ago and ten minutes later.
    const at = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const [stays, leaves] = [`stays-${uid()}`, `leaves-${uid()}`];
    await track(key, stays, ev, at);
    await track(key, leaves, ev, at);
    await evaluateTrigger(db(), await load(t.id), later());
    const ids = await contactIds([stays, leaves]);
    const rows = await messagesOf(t.id);
    const of = (u: string) => rows.find((r) => r.contactId === ids.get(u));
    for (const u of [stays, leaves]) {
      expect(of(u)).toMatchObject({ state: "deferred", deferReason: "delay", sendAfter: at + 2 * 3_600_000 });
    }
    await track(key, leaves, exit, at + 10 * 60_000);
    const due = at + 2 * 3_600_000 + 1000;
    expect(await deliverMessage(env, of(stays)?.id ?? "", due)).toEqual({ outcome: "sent" });
    expect(await deliverMessage(env, of(leaves)?.id ?? "", due)).toMatchObject({ outcome: "skipped" });
    const [left] = await db()
      .select()
      .from(emailMessages)
      .where(eq(emailMessages.id, of(leaves)?.id ?? ""));
    expect(left).toMatchObject({ state: "skipped", skipReason: "exited" });
  });

  it("candidates filling whole pages exactly are all read in one evaluation, which then needs no continuation", async () => {
    const key = await admin();
    const ev = `page_${uid()}`;
    const t = await trigger(key, {
      name: "exact pages",
      // Evaluated here directly; off, so no other test's cron tick evaluates or sends it.
      enabled: false,
      templateId: await template(key),
      // Marketing without consent: written as skipped, so the cron of other tests has nothing to send.
      topic: "marketing",
      entry: { kind: "event", event: ev },
    });
    const at = Date.now();
    const n = 2 * PAGE;
    const seq = `with recursive d(n) as (select 1 union all select n + 1 from d where n < ${n})`;
    await env.DB.batch([
      env.DB.prepare(`${seq} insert into contacts (id, external_id, email, traits, first_seen_at, last_seen_at)
        select 'ct_${ev}_' || n, '${ev}-' || n, '${ev}-' || n || '@example.com', '{}', ?1, ?1 from d`).bind(at),
      env.DB.prepare(`${seq} insert into contact_event_stats (contact_id, event, count, first_at, last_at, updated_at)
        select 'ct_${ev}_' || n, '${ev}', 1, ?1, ?1, ?1 + n from d`).bind(at),
    ]);
    const now = at + n + EVAL_LAG_MS + 1000;
    const out = await evaluateTrigger(db(), await load(t.id), now);
    expect(out).toMatchObject({ candidates: n, skipped: n, more: false, watermark: now - EVAL_LAG_MS });
    expect((await load(t.id)).watermark).toBe(now - EVAL_LAG_MS);
    expect(await messagesOf(t.id)).toHaveLength(n);
  });

  it("cron enqueues evaluation and the queue writes and delivers the sends", async () => {
    const key = await admin();
    const ev = `signup_${uid()}`;
    const t = await trigger(key, {
      name: "welcome",
      templateId: await template(key),
      topic: "transactional",
      entry: { kind: "first_event", event: ev },
    });
    const user = `w-${uid()}`;
    await history(key, user, ev, [0]);
    await db()
      .update(emailTriggers)
      .set({ watermark: t.watermark - 2 * EVAL_LAG_MS })
      .where(eq(emailTriggers.id, t.id));
    // The event must be older than the evaluation lag: backdate its aggregate.
    await env.DB.prepare("update contact_event_stats set updated_at = updated_at - ? where event = ?")
      .bind(EVAL_LAG_MS + 1000, ev)
      .run();
    await runScheduled({ scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} } as ScheduledController, env);
    const sent = await eventually(async () => {
      const rows = await messagesOf(t.id);
      return rows[0]?.state === "sent" ? rows[0] : null;
    });
    expect(sent.subject).toBe("Hi");
    expect(sent.toAddress).toBe(`${user}@example.com`);
  });
});
