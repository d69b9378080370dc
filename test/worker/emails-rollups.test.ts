import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, emailMessages } from "../../db/schema/index.ts";
import { rollupRebuild, rollupsComplete } from "../../worker/emails/index.ts";
import { markSent } from "../../worker/emails/store/delivery.ts";
import { recordClick, recordOpen, unsubscribeMessage } from "../../worker/emails/store/engagement.ts";
import { BACKFILL_DAYS, backfillStep } from "../../worker/emails/store/rollups.ts";
import { execBatch } from "../../worker/lib/db.ts";
import { call, db, newKey } from "./helpers.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2025-02-01T00:00:00Z");
const D0 = T0 / DAY;
const uid = () => crypto.randomUUID().slice(0, 8);
const at = (day: number, hour = 10) => new Date(T0 + day * DAY + hour * 3_600_000).toISOString();

async function rollupRows() {
  const events = await db().all(sql`select contact_id, event, day, count, amount from contact_event_daily
    where count != 0 order by contact_id, event, day`);
  const email = await db().all(sql`select day, sent, opened, clicked, unsubscribed from email_engagement_daily
    where sent != 0 or opened != 0 or clicked != 0 or unsubscribed != 0 order by day`);
  return { events, email };
}

/** The rollups as kept live, and as rebuilt from the raw rows: they must be the same. */
async function liveAndRebuilt() {
  const live = await rollupRows();
  await execBatch(db(), rollupRebuild(0, D0 + 400));
  return { live, rebuilt: await rollupRows() };
}

async function sentMessage(contactId: string | null, sentAt: number) {
  const id = `em_${uid()}`;
  await db()
    .insert(emailMessages)
    .values({ id, idempotencyKey: id, contactId, topic: "marketing", state: "sending", sendAfter: sentAt, sentAt });
  return id;
}

describe("daily rollups (contact_event_daily, email_engagement_daily)", () => {
  it("hold exactly what the raw rows hold after ingestion, a merge, sends, opens, clicks, unsubscribes and an erase", async () => {
    const key = await newKey(["emails"]);
    const [a, b, anon] = [`u-${uid()}`, `u-${uid()}`, `v-${uid()}`];
    const track = (who: Record<string, string>, event: string, day: number, amount?: number) => ({
      type: "track",
      ...who,
      event,
      properties: amount === undefined ? {} : { amount },
      messageId: `${Object.values(who)[0]}-${event}-${day}-${uid()}`,
      timestamp: at(day),
    });
    const batch = [
      track({ userId: a }, "order_completed", 0, 20),
      track({ userId: a }, "order_completed", 0, 5),
      track({ userId: a }, "logged_in", 3),
      track({ userId: b }, "order_completed", 9, 7),
      track({ anonymousId: anon }, "viewed_pricing", 1),
      track({ anonymousId: anon }, "viewed_pricing", 2),
    ];
    const res = await call("/v1/batch", {
      method: "POST",
      json: { batch },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    // The visitor signs in as `a`: their days move to a.
    await call("/v1/alias", {
      method: "POST",
      json: { userId: a, previousId: anon },
      headers: { authorization: `Bearer ${key}` },
    });
    const [ca] = await db().select().from(contacts).where(eq(contacts.externalId, a));
    const [cb] = await db().select().from(contacts).where(eq(contacts.externalId, b));

    const m1 = await sentMessage(ca.id, T0 + DAY);
    const m2 = await sentMessage(cb.id, T0 + 2 * DAY);
    await recordOpen(db(), m1, T0 + 2 * DAY); // opened before it counts as sent: counted with the send
    await markSent(db(), m1, null, T0 + DAY);
    await markSent(db(), m1, null, T0 + DAY); // a second report of the same send changes nothing
    await markSent(db(), m2, null, T0 + 2 * DAY);
    await recordClick(db(), m2, T0 + 3 * DAY);
    await recordOpen(db(), m2, T0 + 3 * DAY);
    await unsubscribeMessage(db(), m2, T0 + 4 * DAY);

    const before = await liveAndRebuilt();
    expect(before.live).toEqual(before.rebuilt);
    const aDays = before.live.events.filter((r) => (r as { contact_id: string }).contact_id === ca.id);
    expect(aDays).toEqual([
      { contact_id: ca.id, event: "logged_in", day: D0 + 3, count: 1, amount: 0 },
      { contact_id: ca.id, event: "order_completed", day: D0, count: 2, amount: 25 },
      { contact_id: ca.id, event: "viewed_pricing", day: D0 + 1, count: 1, amount: 0 },
      { contact_id: ca.id, event: "viewed_pricing", day: D0 + 2, count: 1, amount: 0 },
    ]);
    expect(before.live.email).toEqual([
      { day: D0 + 1, sent: 1, opened: 1, clicked: 0, unsubscribed: 0 },
      { day: D0 + 2, sent: 1, opened: 1, clicked: 1, unsubscribed: 1 },
    ]);

    const erase = await call(`/api/v1/contacts/${cb.id}`, { method: "DELETE", key: await newKey() });
    expect(erase.status).toBe(200);
    const after = await liveAndRebuilt();
    expect(after.live).toEqual(after.rebuilt);
    expect(after.live.events.some((r) => (r as { contact_id: string }).contact_id === cb.id)).toBe(false);
    expect(after.live.email).toEqual([{ day: D0 + 1, sent: 1, opened: 1, clicked: 0, unsubscribed: 0 }]);
  });

  it("a backfill rebuilds rows written before the rollups existed, a few days per step, and says how far it got", async () => {
    const key = await newKey(["emails"]);
    const user = `u-${uid()}`;
    const batch = [0, 5, 12, 20].map((d) => ({
      type: "track",
      userId: user,
      event: "logged_in",
      messageId: `${user}-${d}`,
      timestamp: at(d),
    }));
    await call("/v1/batch", { method: "POST", json: { batch }, headers: { authorization: `Bearer ${key}` } });
    const kept = await rollupRows();
    // As on a database that had these rows before the rollups: empty rollups, no backfill yet.
    await execBatch(db(), [
      sql`delete from contact_event_daily`,
      sql`delete from email_engagement_daily`,
      sql`delete from rollup_backfills`,
    ]);
    expect(await rollupsComplete(db())).toEqual({
      contact_event_daily: Number.NEGATIVE_INFINITY,
      email_engagement_daily: Number.NEGATIVE_INFINITY,
    });

    const now = T0 + 30 * DAY;
    const oldest = (
      await db().all<{ day: number }>(sql`select min(occurred_at) / 86400000 as day from email_events`)
    )[0].day;
    expect(await backfillStep(db(), now)).toBe(true);
    expect((await rollupsComplete(db())).contact_event_daily).toBe(oldest + BACKFILL_DAYS);
    let steps = 1;
    while (await backfillStep(db(), now)) steps++;
    expect(steps).toBe(Math.ceil((D0 + 31 - oldest) / BACKFILL_DAYS) - 1);
    expect(await rollupsComplete(db())).toEqual({
      contact_event_daily: Number.POSITIVE_INFINITY,
      email_engagement_daily: Number.POSITIVE_INFINITY,
    });
    expect(await rollupRows()).toEqual(kept);
    // Finished: a later step does nothing.
    expect(await backfillStep(db(), now + DAY)).toBe(false);
  });
});
