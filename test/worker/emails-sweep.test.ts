import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailMessages, emailTriggers } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { runScheduled } from "../../worker/jobs.ts";
import { call, db, eventually, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const tick = () =>
  runScheduled({ scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} } as ScheduledController, env);

describe("cron backstop and conversions", () => {
  it("cron delivers deferred messages once they are due, and queued ones whose queue send was lost", async () => {
    const key = `sweep:${uid()}`;
    const statements = emailStatements(db(), [
      {
        to: `d-${uid()}@example.com`,
        subject: "Later",
        html: "x",
        text: "x",
        topic: "transactional",
        idempotencyKey: `${key}:deferred`,
      },
      {
        to: `l-${uid()}@example.com`,
        subject: "Lost",
        html: "x",
        text: "x",
        topic: "transactional",
        idempotencyKey: `${key}:lost`,
      },
    ]);
    await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
    // One was deferred to a time now past; the other was queued long ago and never delivered.
    await env.DB.prepare(
      "update email_messages set state = 'deferred', defer_reason = 'quiet_hours', send_after = ? where idempotency_key = ?",
    )
      .bind(Date.now() - 1000, `${key}:deferred`)
      .run();
    await env.DB.prepare("update email_messages set send_after = ? where idempotency_key = ?")
      .bind(Date.now() - 10 * 60_000, `${key}:lost`)
      .run();
    await tick();
    const rows = await eventually(async () => {
      const r = await db().select().from(emailMessages);
      const mine = r.filter((m) => m.idempotencyKey.startsWith(key));
      return mine.every((m) => m.state === "sent") ? mine : null;
    });
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
  });

  it("counts a conversion when the goal event follows the send within the window", async () => {
    const admin = await newKey(["emails"]);
    const tpl = (await (
      await call("/api/v1/emails/templates", {
        method: "POST",
        key: admin,
        json: { name: "t", subject: "s", html: "h", text: "t" },
      })
    ).json()) as { id: string };
    const trg = (await (
      await call("/api/v1/emails/triggers", {
        method: "POST",
        key: admin,
        json: {
          name: "nudge",
          templateId: tpl.id,
          topic: "transactional",
          entry: { kind: "event", event: "x" },
          conversion: { event: `upgraded_${uid()}`, withinDays: 2 },
        },
      })
    ).json()) as { id: string; rule: { conversion: { event: string } } };
    const user = `cv-${uid()}`;
    await call("/v1/identify", {
      method: "POST",
      key: admin,
      json: { userId: user, traits: { email: `${user}@example.com` } },
    });
    const contact = await db().query.contacts.findFirst({ where: (c, { eq }) => eq(c.externalId, user) });
    const statements = emailStatements(db(), [
      {
        contactId: contact?.id,
        to: `${user}@example.com`,
        subject: "s",
        html: "h",
        text: "t",
        topic: "transactional",
        idempotencyKey: `cv:${user}`,
      },
    ]);
    await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
    const [m] = await db()
      .select()
      .from(emailMessages)
      .where(eq(emailMessages.idempotencyKey, `cv:${user}`));
    await db().update(emailMessages).set({ triggerId: trg.id }).where(eq(emailMessages.id, m.id));
    const sentAt = Date.now();
    expect((await deliverMessage(env, m.id, sentAt)).outcome).toBe("sent");
    const metrics = async () =>
      (
        (await (await call(`/api/v1/emails/triggers/${trg.id}`, { key: admin })).json()) as {
          metrics: { sent: number; converted: number };
        }
      ).metrics;
    expect(await metrics()).toMatchObject({ sent: 1, converted: 0 });
    await call("/v1/track", { method: "POST", key: admin, json: { userId: user, event: trg.rule.conversion.event } });
    expect(await metrics()).toMatchObject({ sent: 1, converted: 1 });
    const [t] = await db().select().from(emailTriggers).where(eq(emailTriggers.id, trg.id));
    expect(t.name).toBe("nudge");
  });
});
