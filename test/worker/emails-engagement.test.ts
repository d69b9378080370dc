import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { emailMessages, emailProfiles, emailSuppressions } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { emailEngagement, emailStatements, type OutgoingEmail } from "../../worker/emails/index.ts";
import { addressHash } from "../../worker/emails/signing.ts";
import { messagesWithBodies } from "../../worker/emails/store/outbox.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { call, db, eventually, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const T = Date.UTC(2031, 4, 6, 12, 0);
// Sent at a pinned time with quiet hours pinned off: these tests are about what follows a send.
const sendEnv = { ...env, EMAIL_QUIET_HOURS: "off" };

async function sentMessage(over: Partial<OutgoingEmail> = {}, consent = true, at = T) {
  const id = uid();
  const c = await upsertContact(db(), { externalId: `e-${id}`, email: `e-${id}@example.com` });
  await db().insert(emailProfiles).values({ contactId: c.id, consentMarketing: consent });
  const statements = emailStatements(db(), [
    {
      contactId: c.id,
      to: c.email as string,
      subject: "Offer",
      html: '<p><a href="https://shop.example.com/deal?x=1&amp;y=2">Deal</a></p>',
      text: "Deal",
      topic: "marketing",
      idempotencyKey: `eng:${id}`,
      ...over,
    },
  ]);
  await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
  const [row] = await messagesWithBodies(db()).where(eq(emailMessages.idempotencyKey, `eng:${id}`));
  expect(await deliverMessage(sendEnv, row.id, at)).toMatchObject({ outcome: "sent" });
  const [sent] = await messagesWithBodies(db()).where(eq(emailMessages.id, row.id));
  return { contact: c, message: sent };
}

const local = (url: string) => url.replace("http://127.0.0.1:8787", "");
const form = (body: string) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body,
});

describe("unsubscribe", () => {
  it("one-click POST (RFC 8058) unsubscribes from the topic before it returns", async () => {
    const { contact, message } = await sentMessage();
    const url = local(/^<(.+)>$/.exec(message.headers?.["List-Unsubscribe"] ?? "")?.[1] ?? "");
    const page = await call(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('method="post"');
    // A GET changes nothing (link scanners).
    let [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, contact.id));
    expect(p.consentMarketing).toBe(true);

    const res = await call(url, form("List-Unsubscribe=One-Click"));
    expect(res.status).toBe(200);
    [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, contact.id));
    expect(p.consentMarketing).toBe(false);
    expect(p.unsubscribedAt).toBeNull();
    const [m] = await messagesWithBodies(db()).where(eq(emailMessages.id, message.id));
    expect(m.unsubscribedAt).not.toBeNull();

    // The next marketing message is not sent.
    const statements = emailStatements(db(), [
      {
        contactId: contact.id,
        to: contact.email as string,
        subject: "x",
        html: "x",
        text: "x",
        topic: "marketing",
        idempotencyKey: `after:${uid()}`,
      },
    ]);
    await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
    const next = await messagesWithBodies(db()).where(eq(emailMessages.contactId, contact.id));
    const queued = next.find((r) => r.state === "queued");
    expect(await deliverMessage(sendEnv, queued?.id as string, T)).toEqual({
      outcome: "skipped",
      reason: "no_consent",
    });
  });

  it("refuses a tampered signature without changing anything", async () => {
    const { message } = await sentMessage();
    const res = await call(`/e/u/${message.id}/AAAAAAAAAAAAAAAAAAAAAA`, form("List-Unsubscribe=One-Click"));
    expect(res.status).toBe(404);
    const [m] = await messagesWithBodies(db()).where(eq(emailMessages.id, message.id));
    expect(m.unsubscribedAt).toBeNull();
  });

  it("the preference page sets consent per topic, and can leave everything, without JavaScript", async () => {
    const { contact, message } = await sentMessage();
    const unsubPage = await (
      await call(local(/^<(.+)>$/.exec(message.headers?.["List-Unsubscribe"] ?? "")?.[1] ?? ""))
    ).text();
    const prefs = /href="([^"]*\/e\/p\/[^"]+)"/.exec(unsubPage)?.[1] as string;
    expect(prefs).toBeTruthy();
    const page = await (await call(local(prefs))).text();
    expect(page).toMatch(/name="marketing" value="on" checked/);
    expect(page).not.toContain("<script");

    const saved = await call(local(prefs), form("product_updates=on"));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("saved");
    let [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, contact.id));
    expect(p).toMatchObject({
      consentMarketing: false,
      consentProductUpdates: true,
      consentStatusNotifications: false,
      unsubscribedAt: null,
    });

    await call(local(prefs), form("marketing=on&all=off"));
    [p] = await db().select().from(emailProfiles).where(eq(emailProfiles.contactId, contact.id));
    expect(p.unsubscribedAt).not.toBeNull();
  });
});

describe("tracking", () => {
  it("counts opens and clicks and redirects only to the stored link", async () => {
    const { message } = await sentMessage();
    const click = /href="(http:\/\/127\.0\.0\.1:8787\/e\/c\/[^"]+)"/.exec(message.html ?? "")?.[1] as string;
    const pixel = /src="(http:\/\/127\.0\.0\.1:8787\/e\/o\/[^"]+)"/.exec(message.html ?? "")?.[1] as string;
    expect(click && pixel).toBeTruthy();

    const img = await call(local(pixel));
    expect(img.headers.get("content-type")).toBe("image/gif");
    await eventually(async () => {
      const [m] = await messagesWithBodies(db()).where(eq(emailMessages.id, message.id));
      return m.openedAt !== null;
    });

    const res = await call(`${local(click)}?url=https://evil.example.com`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://shop.example.com/deal?x=1&y=2");
    expect(res.headers.get("cache-control")).toContain("no-store");
    const m = await eventually(async () => {
      const [row] = await messagesWithBodies(db()).where(eq(emailMessages.id, message.id));
      return row.clicks === 1 ? row : null;
    });
    expect(m.clickedAt).not.toBeNull();

    const bad = click.replace(/\/[\w-]{22}$/, "/AAAAAAAAAAAAAAAAAAAAAA");
    expect((await call(local(bad))).status).toBe(404);

    const e = await emailEngagement(db(), { from: T - 1000, to: T + 1000 });
    expect(e.sent).toBeGreaterThanOrEqual(1);
    expect(e.opened).toBeGreaterThanOrEqual(1);
    expect(e.clicked).toBeGreaterThanOrEqual(1);
    expect(e.openRate).toBe(e.opened / e.sent);
  });
});

describe("bounce and complaint webhooks", () => {
  it("a Postmark hard bounce suppresses the address; a soft one does not", async () => {
    const made = await call("/api/v1/emails/provider-secrets", {
      method: "POST",
      key: await newKey(["emails"]),
      json: { provider: "postmark", name: "Postmark" },
    });
    const { secret } = (await made.json()) as { secret: string };
    const hard = `hb-${uid()}@example.com`;
    const soft = `sb-${uid()}@example.com`;
    const auth = { authorization: `Basic ${btoa(`postmark:${secret}`)}` };
    const post = (json: unknown) => call("/v1/webhooks/postmark", { method: "POST", json, headers: auth });
    expect(
      await (await post({ RecordType: "Bounce", Type: "HardBounce", Email: hard, Inactive: true })).json(),
    ).toEqual({ suppressed: 1 });
    expect(
      await (await post({ RecordType: "Bounce", Type: "SoftBounce", Email: soft, Inactive: false })).json(),
    ).toEqual({ suppressed: 0 });
    const rows = await db()
      .select()
      .from(emailSuppressions)
      .where(eq(emailSuppressions.emailHash, await addressHash(hard)));
    expect(rows).toEqual([expect.objectContaining({ reason: "bounced" })]);
    expect((await call("/v1/webhooks/postmark", { method: "POST", json: { RecordType: "Bounce" } })).status).toBe(401);

    // A message to the bounced address is suppressed, not sent.
    const statements = emailStatements(db(), [
      {
        to: hard.toUpperCase(),
        subject: "x",
        html: "x",
        text: "x",
        topic: "transactional",
        idempotencyKey: `b:${uid()}`,
      },
    ]);
    await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
    const [m] = await messagesWithBodies(db()).where(eq(emailMessages.toAddress, hard));
    expect(await deliverMessage(sendEnv, m.id, T)).toEqual({ outcome: "suppressed", reason: "bounced" });
  });

  it("a Resend complaint signed with RESEND_WEBHOOK_SECRET suppresses the address; a key or a bad signature is refused", async () => {
    const to = `rc-${uid()}@example.com`;
    const body = JSON.stringify({ type: "email.complained", data: { to: [to], email_id: "x" } });
    // Resend signs with Svix, the Standard Webhooks scheme: signed here by that library.
    const id = `msg_${uid()}`;
    const at = new Date();
    const signed = (secret: string, when = at) => ({
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(when.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, when, body),
    });
    const post = (headers: Record<string, string>) => call("/v1/webhooks/resend", { method: "POST", body, headers });
    expect((await post({ "content-type": "application/json" })).status).toBe(401);
    const admin = { "content-type": "application/json", authorization: `Bearer ${await newKey(["admin"])}` };
    expect((await post(admin)).status).toBe(401);
    expect((await post(signed("whsec_c29tZSBvdGhlciBzZWNyZXQgb2YgMjQgYnl0ZXM="))).status).toBe(401);
    // Correctly signed but too old (a replay): refused. Standard Webhooks allows 5 minutes.
    expect((await post(signed(env.RESEND_WEBHOOK_SECRET, new Date(at.getTime() - 10 * 60_000)))).status).toBe(401);
    const hash = await addressHash(to);
    expect(await db().select().from(emailSuppressions).where(eq(emailSuppressions.emailHash, hash))).toEqual([]);
    const res = await post(signed(env.RESEND_WEBHOOK_SECRET));
    expect(await res.json()).toEqual({ suppressed: 1 });
    const rows = await db()
      .select()
      .from(emailSuppressions)
      .where(eq(emailSuppressions.emailHash, await addressHash(to)));
    expect(rows[0]?.reason).toBe("complained");
  });
});
