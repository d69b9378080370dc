import { env as workerEnv } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { deadLetters, emailMessages, emailProfiles, emailSuppressions } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import {
  emailStatements,
  endMarketingPauseFor,
  kickEmails,
  type OutgoingEmail,
  pauseMarketingFor,
} from "../../worker/emails/index.ts";
import { addressHash } from "../../worker/emails/signing.ts";
import { messagesWithBodies } from "../../worker/emails/store/outbox.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { runBatch } from "../../worker/lib/db.ts";
import { BINDING_RECIPIENT } from "../support/email-binding.ts";
import { db, eventually } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);

async function newContact(consent: Partial<typeof emailProfiles.$inferInsert> = {}, timezone?: string) {
  const id = uid();
  const c = await upsertContact(db(), { externalId: `u-${id}`, email: `user-${id}@example.com`, name: "Ada Lovelace" });
  await db()
    .insert(emailProfiles)
    .values({ contactId: c.id, ...consent });
  if (timezone) await env.DB.prepare("update contacts set timezone = ? where id = ?").bind(timezone, c.id).run();
  return c;
}

async function queue(emails: OutgoingEmail[]) {
  const statements = emailStatements(db(), emails);
  await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
  const rows = await messagesWithBodies(db()).where(
    inArray(
      emailMessages.idempotencyKey,
      emails.map((e) => e.idempotencyKey),
    ),
  );
  return rows;
}

const mail = (over: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  to: `someone-${uid()}@example.com`,
  subject: "Hello",
  html: '<p>Hi <a href="https://example.com/docs?a=1&amp;b=2">docs</a></p>',
  text: "Hi",
  topic: "transactional",
  idempotencyKey: `test:${uid()}`,
  ...over,
});

// A time at noon UTC, outside the default quiet hours (21:00-08:00 UTC), which these tests pin
// whatever the run's EMAIL_QUIET_HOURS: every delivery here gets its time and its quiet hours.
const NOON = Date.UTC(2030, 0, 15, 12, 0);
const env = { ...workerEnv, EMAIL_QUIET_HOURS: "21:00-08:00" };

describe("emails outbox contract", () => {
  it("queues once per idempotency key and delivers through the queue into the outbox", async () => {
    const m = mail();
    const first = await queue([m]);
    const again = await queue([m, { ...m, subject: "changed" }]);
    expect(again).toHaveLength(1);
    expect(again[0].id).toBe(first[0].id);
    expect(again[0].subject).toBe("Hello");

    await kickEmails(env);
    const sent = await eventually(async () => {
      const [row] = await messagesWithBodies(db()).where(eq(emailMessages.id, first[0].id));
      return row.state === "sent" ? row : null;
    });
    expect(sent.provider).toBe("outbox");
    expect(sent.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(sent.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/127\.0\.0\.1:8787\/e\/u\/em_\w+\/[\w-]{22}>$/);
    expect(sent.attempts).toBe(1);
  });

  it("a redelivered or concurrent delivery sends exactly once", async () => {
    const [row] = await queue([mail()]);
    const results = await Promise.all([1, 2, 3, 4].map(() => deliverMessage(env, row.id, NOON)));
    expect(results.filter((r) => r.outcome === "sent")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "noop")).toHaveLength(3);
    expect((await deliverMessage(env, row.id, NOON + 1000)).outcome).toBe("noop");
  });

  it("delivers over SMTP to a real server with the unsubscribe headers", async () => {
    const smtpEnv = { ...env, EMAIL_PROVIDER: "smtp", SMTP_HOST: "127.0.0.1", SMTP_SECURE: "false" };
    const to = `smtp-${uid()}@example.com`;
    const [row] = await queue([mail({ to, subject: "Über SMTP" })]);
    expect(await deliverMessage(smtpEnv, row.id, NOON)).toEqual({ outcome: "sent" });
    const got = (await (await fetch(`${env.SMTP_TEST_URL}/messages?to=${to}`)).json()) as Array<{ raw: string }>;
    expect(got).toHaveLength(1);
    expect(got[0].raw).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/i);
    expect(got[0].raw).toMatch(/List-Unsubscribe: <http:\/\/127\.0\.0\.1:8787\/e\/u\//i);
    const [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
    expect(after.state).toBe("sent");
    expect(after.provider).toBe("smtp");
    // A second delivery of the same queue message sends nothing more.
    expect((await deliverMessage(smtpEnv, row.id, NOON)).outcome).toBe("noop");
    const again = (await (await fetch(`${env.SMTP_TEST_URL}/messages?to=${to}`)).json()) as unknown[];
    expect(again).toHaveLength(1);
  });

  it("delivers through Cloudflare's send_email binding, which accepts the message; a refused recipient fails at once", async () => {
    const bindingEnv = { ...env, EMAIL_PROVIDER: "binding" };
    const [row] = await queue([mail({ to: BINDING_RECIPIENT, subject: "Über the binding" })]);
    expect(await deliverMessage(bindingEnv, row.id, NOON)).toEqual({ outcome: "sent" });
    const [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
    expect(after).toMatchObject({ state: "sent", provider: "binding" });
    expect(after.providerMessageId).toMatch(/^<test_[\w-]+@rapport\.localhost>$/);

    const [refused] = await queue([mail({ to: `not-verified-${uid()}@example.com` })]);
    expect(await deliverMessage(bindingEnv, refused.id, NOON)).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/not allowed/),
    });

    const [unbound] = await queue([mail()]);
    const { SEND_EMAIL: _, ...withoutBinding } = bindingEnv as typeof bindingEnv & { SEND_EMAIL?: unknown };
    expect(await deliverMessage(withoutBinding as typeof env, unbound.id, NOON)).toMatchObject({
      reason: expect.stringMatching(/needs a send_email binding/),
    });
  });

  it("hands the binding the message as written: a line starting with a dot arrives once, not doubled", async () => {
    const bindingEnv = { ...env, EMAIL_PROVIDER: "binding" };
    const text = "Release notes\r\n.NET 9 support\r\n.\r\n..and a line of two dots\r\nThe end";
    // Found by its subject: the local binding may set a Message-ID of its own.
    const subject = `Release notes ${uid()}`;
    const [row] = await queue([mail({ to: BINDING_RECIPIENT, subject, text, html: "<p>.NET</p>" })]);
    expect(await deliverMessage(bindingEnv, row.id, NOON)).toEqual({ outcome: "sent" });
    // The local binding writes its .eml just after it accepted the message.
    const url = `${env.BINDING_MAIL_URL}/eml?contains=${encodeURIComponent(subject)}`;
    const res = await eventually(async () => {
      const r = await fetch(url);
      return r.status === 200 && r;
    });
    const raw = new TextDecoder().decode(await res.arrayBuffer());
    // The SMTP terminator is not part of the message.
    expect(raw.endsWith("\r\n.\r\n")).toBe(false);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe(subject);
    // Line for line as sent (the parser gives LF line ends; the part ends with a line break).
    expect(parsed.text?.replace(/\n+$/, "")).toBe(text.replaceAll("\r\n", "\n"));
    expect(parsed.html).toContain("<p>.NET</p>");
  });

  it("a refused address is retried with backoff, then failed and parked as a dead letter", async () => {
    const smtpEnv = { ...env, EMAIL_PROVIDER: "smtp", SMTP_HOST: "127.0.0.1", SMTP_SECURE: "false" };
    const [row] = await queue([mail({ to: `reject-${uid()}@example.com` })]);
    const first = await deliverMessage(smtpEnv, row.id, NOON);
    expect(first).toMatchObject({ outcome: "retry", delaySeconds: 30, reason: expect.stringMatching(/550/) });
    let [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
    expect(after.state).toBe("queued");
    expect(after.sendAfter).toBeGreaterThan(NOON);
    await env.DB.prepare("update email_messages set attempts = 7, send_after = 0 where id = ?").bind(row.id).run();
    expect((await deliverMessage(smtpEnv, row.id, NOON)).outcome).toBe("failed");
    [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
    expect(after.state).toBe("failed");
    await eventually(async () => {
      const rows = await db().select().from(deadLetters);
      return rows.find((r) => r.body.includes(row.id));
    });
  });

  it("never sends to a suppressed address, and marketing needs opt-in consent", async () => {
    const to = `gone-${uid()}@example.com`;
    await db()
      .insert(emailSuppressions)
      .values({ emailHash: await addressHash(to), reason: "bounced" });
    const optedOut = await newContact();
    const optedIn = await newContact({ consentMarketing: true });
    const rows = await queue([
      mail({ to, topic: "status_notifications" }),
      mail({ to: undefined as unknown as string, contactId: optedOut.id, topic: "marketing" }),
      mail({ to: optedIn.email as string, contactId: optedIn.id, topic: "marketing" }),
    ]);
    const outcomes = [];
    for (const r of rows) outcomes.push([r.toAddress, (await deliverMessage(env, r.id, NOON)).outcome]);
    expect(outcomes).toContainEqual([to, "suppressed"]);
    expect(outcomes).toContainEqual([null, "skipped"]);
    expect(outcomes).toContainEqual([optedIn.email, "sent"]);
  });

  it("defers marketing in quiet hours (contact's timezone) and past the weekly cap, never drops it", async () => {
    const c = await newContact({ consentMarketing: true }, "America/New_York");
    // 12:00 UTC is 07:00 in New York (EST): quiet until 08:00 local = 13:00 UTC.
    const [row] = await queue([mail({ to: c.email as string, contactId: c.id, topic: "marketing" })]);
    expect(await deliverMessage(env, row.id, NOON)).toEqual({ outcome: "deferred", reason: "quiet_hours" });
    let [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
    expect(after.state).toBe("deferred");
    expect(after.sendAfter).toBe(Date.UTC(2030, 0, 15, 13, 0));
    expect((await deliverMessage(env, row.id, NOON + 3600_000)).outcome).toBe("sent");

    // Two more fit the cap of 3; the fourth waits until the first send is a week old.
    const t = NOON + 3600_000;
    for (let i = 0; i < 2; i++) {
      const [r] = await queue([mail({ to: c.email as string, contactId: c.id, topic: "marketing" })]);
      expect((await deliverMessage(env, r.id, t + (i + 1) * 60_000)).outcome).toBe("sent");
    }
    const [fourth] = await queue([mail({ to: c.email as string, contactId: c.id, topic: "marketing" })]);
    expect(await deliverMessage(env, fourth.id, t + 10 * 60_000)).toEqual({ outcome: "deferred", reason: "capped" });
    [after] = await messagesWithBodies(db()).where(eq(emailMessages.id, fourth.id));
    expect(after.wasCapped).toBe(true);
    expect(after.sendAfter).toBe(t + 7 * 86_400_000 + 1);
    // Transactional mail is not capped.
    const [tx] = await queue([mail({ to: c.email as string, contactId: c.id, topic: "transactional" })]);
    expect((await deliverMessage(env, tx.id, t + 11 * 60_000)).outcome).toBe("sent");
    // A week later (08:0x in New York) the first send has aged out of the window.
    expect((await deliverMessage(env, fourth.id, after.sendAfter)).outcome).toBe("sent");
  });

  it("pauses marketing during a major incident (deferred, not dropped); transactional and status mail still go", async () => {
    const c = await newContact({ consentMarketing: true });
    const rows = await queue([
      mail({ to: c.email as string, contactId: c.id, topic: "marketing" }),
      mail({ to: c.email as string, contactId: c.id, topic: "transactional" }),
      mail({ to: c.email as string, contactId: c.id, topic: "status_notifications" }),
    ]);
    const incident = { incidentId: `inc_${uid()}`, incidentName: "Down", pageId: "stp_x", pageName: "Main" };
    await runBatch(db(), pauseMarketingFor(db(), incident, NOON - 1000));
    const outcome = async (topic: string, at: number) =>
      deliverMessage(env, rows.find((r) => r.topic === topic)?.id as string, at, null);
    expect(await outcome("marketing", NOON)).toEqual({ outcome: "deferred", reason: "incident" });
    expect((await outcome("transactional", NOON)).outcome).toBe("sent");
    expect((await outcome("status_notifications", NOON)).outcome).toBe("sent");
    const [m] = await messagesWithBodies(db()).where(
      eq(emailMessages.id, rows.find((r) => r.topic === "marketing")?.id as string),
    );
    expect(m).toMatchObject({ state: "deferred", deferReason: "incident", sendAfter: NOON + 5 * 60_000 });
    // Resolved a minute later: the deferred message is due at once and goes.
    await runBatch(db(), endMarketingPauseFor(db(), incident.incidentId, NOON + 60_000));
    const [due] = await messagesWithBodies(db()).where(eq(emailMessages.id, m.id));
    expect(due.sendAfter).toBe(NOON + 60_000);
    expect((await outcome("marketing", NOON + 60_000)).outcome).toBe("sent");
  });
});
