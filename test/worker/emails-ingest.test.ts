import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contactEventDaily, contactEventStats, contacts, emailEvents, emailProfiles } from "../../db/schema/index.ts";
import { eventTotals } from "../../worker/emails/index.ts";
import { call, db, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const basic = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` });

async function post(path: string, json: unknown, headers: Record<string, string>) {
  return call(path, { method: "POST", json, headers });
}

async function contactOf(externalId: string) {
  const [c] = await db().select().from(contacts).where(eq(contacts.externalId, externalId));
  return c;
}

describe("Segment-compatible ingestion", () => {
  it("tracks with a write key as Basic username, upserting the contact and its aggregates", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const res = await post(
      "/v1/track",
      {
        userId: user,
        event: "workout_logged",
        properties: { minutes: 30 },
        messageId: `m-${uid()}`,
        timestamp: "2026-03-01T10:00:00Z",
        context: { traits: { email: `${user}@Example.com` }, timezone: "Europe/Paris" },
      },
      basic(key),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, ignored: 0 });
    const c = await contactOf(user);
    expect(c.email).toBe(`${user}@example.com`);
    expect(c.timezone).toBe("Europe/Paris");
    const [stats] = await db().select().from(contactEventStats).where(eq(contactEventStats.contactId, c.id));
    expect(stats).toMatchObject({ event: "workout_logged", count: 1, firstAt: Date.parse("2026-03-01T10:00:00Z") });
    const [profile] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id));
    expect(profile).toMatchObject({ eventCount: 1, lastEventAt: Date.parse("2026-03-01T10:00:00Z") });
  });

  it("a batch of 500 with a repeated messageId counts each event once", async () => {
    const key = await newKey(["emails"]);
    const users = Array.from({ length: 50 }, () => `u-${uid()}`);
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const batch = Array.from({ length: 500 }, (_, i) => ({
      type: "track",
      userId: users[i % 50],
      event: i % 2 ? "order_completed" : "login",
      properties: i % 2 ? { amount: 10 } : {},
      messageId: `bulk-${users[0]}-${i}`,
      // Backfill: spread over ten days in the past.
      timestamp: new Date(t0 + (i % 10) * 86_400_000).toISOString(),
    }));
    const first = await post("/v1/batch", { batch }, { authorization: `Bearer ${key}` });
    expect(await first.json()).toEqual({ success: true, accepted: 500, duplicates: 0, ignored: 0 });
    const again = await post("/api/v1/events", { batch: batch.slice(0, 100) }, basic(key));
    expect(await again.json()).toEqual({ success: true, accepted: 0, duplicates: 100, ignored: 0 });

    const c = await contactOf(users[1]);
    const stats = await db().select().from(contactEventStats).where(eq(contactEventStats.contactId, c.id));
    expect(stats).toEqual([expect.objectContaining({ event: "order_completed", count: 10 })]);
    const days = await db().select().from(contactEventDaily).where(eq(contactEventDaily.contactId, c.id));
    expect(days.reduce((s, d) => s + d.count, 0)).toBe(10);
    const [profile] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id));
    expect(profile.eventCount).toBe(10);

    // The daily rollup KPIs read, written in the same batch: each event once.
    const facts = await eventTotals(db(), { from: t0, to: t0 + 30 * 86_400_000 }, ["order_completed"]);
    expect(facts.find((f) => f.contactId === c.id)).toEqual({
      contactId: c.id,
      event: "order_completed",
      count: 10,
      amount: 100,
    });
    const active = (await eventTotals(db(), { from: t0, to: t0 + 86_400_000 }, ["login"])).map((f) => f.contactId);
    expect(active).toContain((await contactOf(users[0])).id);
    expect(active).not.toContain(c.id);
  });

  it("identify sets traits, timezone and consent per topic", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const res = await post(
      "/v1/identify",
      {
        userId: user,
        traits: { email: `${user}@example.com`, first_name: "Grace", last_name: "Hopper", plan: "pro", score: 42 },
        context: {
          timezone: "Asia/Tokyo",
          consent: { categoryPreferences: { marketing: true, product_updates: false } },
        },
      },
      basic(key),
    );
    expect(res.status).toBe(200);
    const c = await contactOf(user);
    expect(c).toMatchObject({ name: "Grace Hopper", timezone: "Asia/Tokyo" });
    expect(c.traits).toMatchObject({ plan: "pro", score: 42 });
    const [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id));
    expect(p).toMatchObject({ consentMarketing: true, consentProductUpdates: false, consentStatusNotifications: null });
    // A later identify merges traits and keeps consent it does not mention.
    await post("/v1/identify", { userId: user, traits: { plan: "team" } }, basic(key));
    const after = await contactOf(user);
    expect(after.traits).toMatchObject({ plan: "team", score: 42 });
    const [p2] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id));
    expect(p2.consentMarketing).toBe(true);
  });

  it("refuses bad input with a problem and writes nothing", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const bad = [
      { batch: [] },
      { batch: [{ type: "track", event: "x" }] }, // no userId
      { batch: [{ type: "track", userId: user, event: "" }] },
      {
        batch: [
          { type: "track", userId: user, event: "ok" },
          { type: "track", userId: user, event: "x", timestamp: "yesterday" },
        ],
      },
      { batch: Array.from({ length: 501 }, () => ({ type: "track", userId: user, event: "x" })) },
    ];
    for (const json of bad) {
      const res = await post("/v1/batch", json, basic(key));
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await contactOf(user)).toBeUndefined();
    const rows = await db()
      .select()
      .from(emailEvents)
      .where(and(eq(emailEvents.event, "ok")));
    expect(rows.filter((r) => r.contactId === user)).toHaveLength(0);
  });

  it("refuses a missing, unknown or wrong-scope write key", async () => {
    const body = { userId: "x", event: "y" };
    expect((await post("/v1/track", body, {})).status).toBe(401);
    expect((await post("/v1/track", body, basic("rk_nope_nope"))).status).toBe(401);
    expect((await post("/v1/track", body, basic(await newKey(["kpis"])))).status).toBe(403);
    expect((await post("/v1/track", body, basic(await newKey(["read"])))).status).toBe(403);
    expect(env.DB).toBeTruthy();
  });
});
