import { env as workerEnv } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailMessages } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { postmarkProvider } from "../../worker/emails/delivery/http.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { sweepDue } from "../../worker/emails/store/outbox.ts";
import { POSTMARK_TEST_TOKEN } from "../support/postmark.ts";
import { call, db, eventually, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
// Noon UTC with pinned quiet hours: nothing here waits for the hour it runs at.
const NOON = Date.UTC(2030, 0, 15, 12, 0);
const env = { ...workerEnv, EMAIL_QUIET_HOURS: "21:00-08:00", EMAIL_STALE_SENDING_SECONDS: "600" };
const smtpEnv = { ...env, EMAIL_PROVIDER: "smtp", SMTP_HOST: "127.0.0.1", SMTP_SECURE: "false" };
const postmarkEnv = {
  ...env,
  EMAIL_PROVIDER: "postmark",
  EMAIL_API_BASE: env.POSTMARK_TEST_URL,
  POSTMARK_TOKEN: POSTMARK_TEST_TOKEN,
};
const LATER = NOON + 11 * 60_000;

async function queueOne(to: string) {
  const key = `uncertain:${uid()}`;
  const statements = emailStatements(db(), [
    { to, subject: "Once", html: "<p>Once</p>", text: "Once", topic: "transactional", idempotencyKey: key },
  ]);
  await db().batch(statements as [(typeof statements)[number], ...typeof statements]);
  const [row] = await db().select().from(emailMessages).where(eq(emailMessages.idempotencyKey, key));
  return row;
}

const rowOf = async (id: string) => (await db().select().from(emailMessages).where(eq(emailMessages.id, id)))[0];

/** The row as a consumer killed after its claim leaves it: `sending`, claimed at NOON by `provider`. */
async function crashedClaim(to: string, provider: string) {
  const row = await queueOne(to);
  await db()
    .update(emailMessages)
    .set({ state: "sending", provider, attempts: 1, claimedAt: NOON, sendAfter: NOON, sentAt: NOON })
    .where(eq(emailMessages.id, row.id));
  return row;
}

const smtpGot = async (to: string) =>
  ((await (await fetch(`${env.SMTP_TEST_URL}/messages?to=${to}`)).json()) as unknown[]).length;
const postmarkGot = async (to: string) =>
  (await (await fetch(`${env.POSTMARK_TEST_URL}/__sent?to=${to}`)).json()) as Array<{ MessageID: string }>;

describe("SMTP records a message sent when the server accepts it", () => {
  it("the row is sent while the server's answer to QUIT is still held", async () => {
    const to = `held-${uid()}@example.com`;
    const row = await queueOne(to);
    const delivery = deliverMessage({ ...smtpEnv, SMTP_PORT: env.HELD_QUIT_SMTP_PORT }, row.id, NOON);
    // The server took the message and waits with QUIT unanswered; the row already says sent.
    await eventually(async () => Number(await (await fetch(`${env.SMTP_TEST_URL}/held-quits`)).text()) > 0);
    expect((await rowOf(row.id)).state).toBe("sent");
    await fetch(`${env.SMTP_TEST_URL}/held-quits`, { method: "POST" });
    expect(await delivery).toEqual({ outcome: "sent" });
    expect(await smtpGot(to)).toBe(1);
  });
});

describe("a send of unknown outcome is never sent again blindly", () => {
  it("SMTP, at most once (the default): a stale claim becomes unknown, listed by the API, and nothing is resent", async () => {
    const to = `crashed-${uid()}@example.com`;
    const row = await crashedClaim(to, "smtp");
    // Not stale yet: left alone.
    expect((await deliverMessage(smtpEnv, row.id, NOON + 60_000)).outcome).toBe("noop");
    // Cron's sweep finds the stale claim, and delivery settles it.
    expect(await sweepDue(db(), NOON + 60_000, 600_000)).not.toContain(row.id);
    expect(await sweepDue(db(), LATER, 600_000)).toContain(row.id);
    expect(await deliverMessage(smtpEnv, row.id, LATER)).toEqual({ outcome: "unknown" });
    const after = await rowOf(row.id);
    expect(after).toMatchObject({ state: "unknown", attempts: 1, maybeDuplicate: false });
    expect(after.lastError).toMatch(/outcome unknown/);
    expect(await smtpGot(to)).toBe(0);
    expect((await deliverMessage(smtpEnv, row.id, LATER + 3_600_000)).outcome).toBe("noop");

    const key = await newKey(["emails"]);
    const listed = (await (await call("/api/v1/emails/messages?state=unknown&limit=200", { key })).json()) as {
      data: Array<{ id: string; state: string }>;
      counts: Record<string, number>;
    };
    expect(listed.data.map((m) => m.id)).toContain(row.id);
    expect(listed.data.every((m) => m.state === "unknown")).toBe(true);
    expect(listed.counts.unknown).toBeGreaterThanOrEqual(1);
  });

  it("SMTP, at least once: a stale claim is sent again, flagged as a possible duplicate", async () => {
    const to = `again-${uid()}@example.com`;
    const row = await crashedClaim(to, "smtp");
    const atLeastOnce = { ...smtpEnv, EMAIL_DELIVERY_GUARANTEE: "at-least-once" };
    expect(await deliverMessage(atLeastOnce, row.id, LATER)).toEqual({ outcome: "sent" });
    expect(await rowOf(row.id)).toMatchObject({ state: "sent", attempts: 2, maybeDuplicate: true });
    expect(await smtpGot(to)).toBe(1);
    const key = await newKey(["emails"]);
    const listed = (await (await call(`/api/v1/emails/messages?state=sent&limit=200`, { key })).json()) as {
      data: Array<{ id: string; maybeDuplicate: boolean }>;
    };
    expect(listed.data.find((m) => m.id === row.id)?.maybeDuplicate).toBe(true);
  });

  it("Postmark is asked first: a message it has is recorded sent, one it lacks is sent once", async () => {
    const had = `had-${uid()}@example.com`;
    const lacked = `lacked-${uid()}@example.com`;
    const [a, b] = [await crashedClaim(had, "postmark"), await crashedClaim(lacked, "postmark")];
    // The killed consumer had handed `a` to Postmark (with its metadata), never `b`.
    const { id: postmarkId } = await postmarkProvider(postmarkEnv).send({
      from: "Rapport <hello@example.com>",
      to: had,
      subject: "Once",
      html: "<p>Once</p>",
      text: "Once",
      headers: { "X-Rapport-Message-Id": a.id },
      idempotencyKey: a.idempotencyKey,
    });
    expect(await deliverMessage(postmarkEnv, a.id, LATER)).toEqual({ outcome: "sent" });
    expect(await rowOf(a.id)).toMatchObject({ state: "sent", providerMessageId: postmarkId, attempts: 1 });
    expect(await postmarkGot(had)).toHaveLength(1);

    expect(await deliverMessage(postmarkEnv, b.id, LATER)).toEqual({ outcome: "sent" });
    const sentB = await postmarkGot(lacked);
    expect(sentB).toHaveLength(1);
    expect(await rowOf(b.id)).toMatchObject({
      state: "sent",
      providerMessageId: sentB[0].MessageID,
      attempts: 2,
      maybeDuplicate: false,
    });
  });

  it("Postmark unreachable while asking: the claim stays sending and is asked again later", async () => {
    const to = `unasked-${uid()}@example.com`;
    const row = await crashedClaim(to, "postmark");
    const down = { ...postmarkEnv, EMAIL_API_BASE: `${env.RECEIVER_URL}/status/503` };
    expect((await deliverMessage(down, row.id, LATER)).outcome).toBe("noop");
    expect(await rowOf(row.id)).toMatchObject({ state: "sending", attempts: 1 });
    expect(await deliverMessage(postmarkEnv, row.id, LATER)).toEqual({ outcome: "sent" });
    expect(await postmarkGot(to)).toHaveLength(1);
  });

  it("Resend drops a repeated idempotency key: a stale claim is sent again with the same key", async () => {
    const row = await crashedClaim(`resend-${uid()}@example.com`, "resend");
    const base = `${env.RECEIVER_URL}/resend-${uid()}`;
    const resendEnv = { ...env, EMAIL_PROVIDER: "resend", EMAIL_API_BASE: base, RESEND_API_KEY: "re_test" };
    expect(await deliverMessage(resendEnv, row.id, LATER)).toEqual({ outcome: "sent" });
    const got = (await (
      await fetch(`${env.RECEIVER_URL}/__received?path=${new URL(`${base}/emails`).pathname}`)
    ).json()) as Array<{ headers: Record<string, string> }>;
    expect(got.map((r) => r.headers["idempotency-key"])).toEqual([row.idempotencyKey]);
    expect(await rowOf(row.id)).toMatchObject({ state: "sent", maybeDuplicate: false });
  });
});
