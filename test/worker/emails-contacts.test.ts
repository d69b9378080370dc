import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  contactEventStats,
  contacts,
  emailEvents,
  emailMessages,
  emailProfiles,
  emailSuppressions,
} from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { bindingProvider, mimeOf } from "../../worker/emails/delivery/binding.ts";
import { postmarkProvider, resendProvider } from "../../worker/emails/delivery/http.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { addressHash } from "../../worker/emails/signing.ts";
import { call, db, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const T = Date.UTC(2032, 1, 3, 12);

async function person(key: string) {
  const user = `g-${uid()}`;
  const res = await call("/v1/batch", {
    method: "POST",
    key,
    json: {
      batch: [
        { type: "identify", userId: user, traits: { email: `${user}@example.com`, plan: "pro" } },
        { type: "track", userId: user, event: "order_completed", properties: { amount: 25 }, messageId: `${user}-1` },
        { type: "track", userId: user, event: "login", messageId: `${user}-2` },
      ],
    },
  });
  expect(res.status).toBe(200);
  const c = await db().query.contacts.findFirst({ where: eq(contacts.externalId, user) });
  const statements = emailStatements(db(), [
    {
      contactId: c?.id,
      to: c?.email as string,
      subject: "Receipt",
      html: "<p>Thanks</p>",
      text: "Thanks",
      topic: "transactional",
      idempotencyKey: `gdpr:${user}`,
    },
  ]);
  await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
  return c as typeof contacts.$inferSelect;
}

describe("contacts API and GDPR", () => {
  it("searches by email prefix and shows a timeline of events and messages", async () => {
    const key = await newKey(["emails"]);
    const c = await person(key);
    const found = (await (await call(`/api/v1/contacts?q=${c.externalId}`, { key })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(found.data.map((x) => x.id)).toContain(c.id);
    const byEmail = (await (await call(`/api/v1/contacts?q=${c.email?.slice(0, 8)}`, { key })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(byEmail.data.map((x) => x.id)).toContain(c.id);

    const tl = (await (await call(`/api/v1/contacts/${c.id}/timeline`, { key })).json()) as {
      data: Array<{ kind: string }>;
    };
    expect(tl.data.map((i) => i.kind).sort()).toEqual(["event", "event", "message"]);
    const detail = (await (await call(`/api/v1/contacts/${c.id}`, { key })).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ eventCount: 2, consent: { marketing: false, product_updates: true } });

    const consent = await call(`/api/v1/contacts/${c.id}/consent`, { method: "PUT", key, json: { marketing: true } });
    expect(((await consent.json()) as { consent: { marketing: boolean } }).consent.marketing).toBe(true);
    expect((await call("/api/v1/contacts/ct_nope/timeline", { key })).status).toBe(404);
  });

  it("exports everything emails holds about a contact in the export's emails section", async () => {
    const c = await person(await newKey(["emails"]));
    const res = await call(`/api/v1/contacts/${c.id}/export`, { key: await newKey() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const { emails: data } = (await res.json()) as {
      emails: { contact: { id: string }; events: unknown[]; messages: unknown[]; eventStats: unknown[] };
    };
    expect(data.contact.id).toBe(c.id);
    expect(data.events).toHaveLength(2);
    expect(data.messages).toHaveLength(1);
    expect(data.eventStats).toHaveLength(2);
  });

  it("erases a contact, events and messages, keeping only a suppression hash", async () => {
    const key = await newKey();
    const c = await person(key);
    const res = await call(`/api/v1/contacts/${c.id}`, { method: "DELETE", key });
    expect(await res.json()).toMatchObject({
      erased: true,
      opaqueContactId: null,
      report: { emails: { suppressedAddresses: 1, events: 2, messages: 1 }, platform: { contacts: 1 } },
    });
    expect(await db().select().from(contacts).where(eq(contacts.id, c.id))).toEqual([]);
    expect(await db().select().from(emailEvents).where(eq(emailEvents.contactId, c.id))).toEqual([]);
    expect(await db().select().from(emailMessages).where(eq(emailMessages.contactId, c.id))).toEqual([]);
    expect(await db().select().from(contactEventStats).where(eq(contactEventStats.contactId, c.id))).toEqual([]);
    expect(await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, c.id))).toEqual([]);
    const [s] = await db()
      .select()
      .from(emailSuppressions)
      .where(eq(emailSuppressions.emailHash, await addressHash(c.email as string)));
    expect(s.reason).toBe("erased");
    // Mail queued later for the same address is suppressed.
    const statements = emailStatements(db(), [
      {
        to: c.email as string,
        subject: "x",
        html: "x",
        text: "x",
        topic: "transactional",
        idempotencyKey: `late:${uid()}`,
      },
    ]);
    await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
    const [late] = await db()
      .select()
      .from(emailMessages)
      .where(eq(emailMessages.toAddress, c.email as string));
    expect((await deliverMessage(env, late.id, T)).outcome).toBe("suppressed");
    expect((await call(`/api/v1/contacts/${c.id}`, { method: "DELETE", key })).status).toBe(404);
  });

  it("the outbox viewer lists messages with counts by state", async () => {
    const key = await newKey(["emails"]);
    const c = await person(key);
    const res = await call(`/api/v1/emails/messages?contactId=${c.id}`, { key });
    const body = (await res.json()) as { data: Array<{ id: string; state: string }>; counts: Record<string, number> };
    expect(body.data).toHaveLength(1);
    expect(body.counts.queued).toBeGreaterThanOrEqual(1);
    const one = await call(`/api/v1/emails/messages/${body.data[0].id}`, { key });
    expect(((await one.json()) as { html: string }).html).toBe("<p>Thanks</p>");
    expect((await call("/api/v1/emails/messages?state=lost", { key })).status).toBe(400);
  });
});

describe("HTTP providers", () => {
  const mail = {
    from: "Rapport <hello@example.com>",
    to: "x@example.com",
    subject: "Hi",
    html: "<p>Hi</p>",
    text: "Hi",
    headers: { "List-Unsubscribe": "<https://x/u>" },
    idempotencyKey: `k-${uid()}`,
  };

  it("Resend gets the idempotency key and the unsubscribe headers", async () => {
    const base = `${env.RECEIVER_URL}/resend-${uid()}`;
    await resendProvider({ ...env, EMAIL_API_BASE: base, RESEND_API_KEY: "re_test" }).send(mail);
    const path = new URL(`${base}/emails`).pathname;
    const [got] = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
    }>;
    expect(got.headers["idempotency-key"]).toBe(mail.idempotencyKey);
    expect(got.headers.authorization).toBe("Bearer re_test");
    expect(JSON.parse(got.body)).toMatchObject({
      to: ["x@example.com"],
      headers: { "List-Unsubscribe": "<https://x/u>" },
    });
  });

  it("Postmark failures are retryable on 5xx and final on 4xx", async () => {
    const p5 = postmarkProvider({ ...env, EMAIL_API_BASE: `${env.RECEIVER_URL}/status/503` });
    await expect(p5.send(mail)).rejects.toMatchObject({ retryable: true });
    const p4 = postmarkProvider({ ...env, EMAIL_API_BASE: `${env.RECEIVER_URL}/status/422` });
    await expect(p4.send(mail)).rejects.toMatchObject({ retryable: false });
  });

  it("the send_email binding gets a MIME message with the unsubscribe headers; without the binding it fails for good", async () => {
    const raw = mimeOf(mail, "<m1@example.com>");
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/x\/u>\r?$/m);
    expect(raw).toMatch(/^Message-ID: <m1@example.com>\r?$/m);
    expect(raw).toContain("multipart/alternative");
    await expect(bindingProvider(env).send(mail)).rejects.toMatchObject({ retryable: false });
  });
});
