import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, emailEvents, referralClicks } from "../../db/schema/index.ts";
import { visitorHashes } from "../../worker/referrals/redirect.ts";
import type { ClickTuple } from "../../worker/referrals/schemas.ts";
import { call, db, eventually, identityToken, newKey, runJobs } from "./helpers.ts";
import { enroll, newProgram } from "./referrals-support.ts";

const deliver = runJobs;

const HOUR = 3_600_000;
const uid = () => crypto.randomUUID().slice(0, 8);
const click = (linkId: string, visitor: string, at: number): ClickTuple => [
  `clk_${uid()}`,
  linkId,
  "prg_test",
  null,
  at,
  "DE",
  "Berlin",
  "desktop",
  null,
  "newsletter",
  null,
  null,
  visitor,
  0,
];
const rowsOf = (linkId: string) =>
  db().select().from(referralClicks).where(eq(referralClicks.linkId, linkId)).orderBy(asc(referralClicks.at));

describe("click batches from the queue", () => {
  it("write each click once however often delivered, and flag repeat visits within the hour across hours and batches", async () => {
    const link = `lnk_${uid()}`;
    const other = `lnk_${uid()}`;
    const t = Date.UTC(2030, 4, 1, 10, 59, 30);
    const first = [click(link, "v1", t), click(link, "v2", t + 1000), click(other, "v1", t + 2000)];
    // Next hour, a later batch: v1 again 40 s after the top of the hour (70 s after its first
    // click), v2 again 61 minutes later, v1 a third time in the same batch.
    const second = [
      click(link, "v1", t + 70_000),
      click(link, "v2", t + 1000 + HOUR + 60_000),
      click(link, "v1", t + 80_000),
    ];
    const a = await deliver({ kind: "referrals.clicks", clicks: first });
    expect(a.explicitAcks).toHaveLength(1);
    await deliver({ kind: "referrals.clicks", clicks: second });
    // Delivered again (queues deliver at least once), both in one batch this time.
    await deliver({ kind: "referrals.clicks", clicks: second }, { kind: "referrals.clicks", clicks: first });

    const rows = await rowsOf(link);
    expect(rows.map((r) => [r.visitorHash, r.at - t, r.duplicate])).toEqual([
      ["v1", 0, false],
      ["v2", 1000, false],
      ["v1", 70_000, true],
      ["v1", 80_000, true],
      ["v2", 1000 + HOUR + 60_000, false],
    ]);
    // Another link is another count.
    expect((await rowsOf(other)).map((r) => r.duplicate)).toEqual([false]);
    expect(rows[0]).toMatchObject({ programId: "prg_test", country: "DE", city: "Berlin", utmSource: "newsletter" });
  });

  it("still accepts the named-object form queued before an upgrade", async () => {
    const link = `lnk_${uid()}`;
    const at = Date.UTC(2030, 4, 2, 9);
    const named = (id: string, visitorHash: string, when: number) => ({
      id,
      linkId: link,
      programId: "prg_test",
      referrerId: null,
      at: when,
      country: null,
      city: null,
      device: "mobile",
      referrerHost: "news.example.com",
      utmSource: null,
      utmMedium: null,
      utmCampaign: null,
      visitorHash,
      byReferrer: true,
    });
    const res = await deliver({
      kind: "referrals.click",
      clicks: [named(`clk_${uid()}`, "w1", at), named(`clk_${uid()}`, "w1", at + 5000)],
    });
    expect(res.explicitAcks).toHaveLength(1);
    const rows = await rowsOf(link);
    expect(rows.map((r) => [r.device, r.referrerHost, r.byReferrer, r.duplicate])).toEqual([
      ["mobile", "news.example.com", true, false],
      ["mobile", "news.example.com", true, true],
    ]);
  });

  it("writes every click of a batch larger than one statement holds", async () => {
    const link = `lnk_${uid()}`;
    const at = Date.UTC(2030, 4, 4, 12);
    const long = (i: number): ClickTuple => {
      const c = click(link, `big-${i}`, at + i);
      c[6] = "C".repeat(100);
      c[8] = `${"h".repeat(240)}.example`;
      c[9] = c[10] = c[11] = "u".repeat(100);
      return c;
    };
    const clicks = Array.from({ length: 1500 }, (_, i) => long(i));
    const res = await deliver(
      { kind: "referrals.clicks", clicks: clicks.slice(0, 500) },
      { kind: "referrals.clicks", clicks: clicks.slice(500, 1000) },
      { kind: "referrals.clicks", clicks: clicks.slice(1000) },
    );
    expect(res.explicitAcks).toHaveLength(3);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM referral_clicks WHERE link_id = ?")
      .bind(link)
      .first<{ n: number }>();
    expect(row?.n).toBe(1500);
  });

  it("parks a malformed batch and writes none of it", async () => {
    const link = `lnk_${uid()}`;
    const good = click(link, "x1", Date.UTC(2030, 4, 3));
    const bad = [...click(link, "x2", Date.UTC(2030, 4, 3)).slice(0, 13), 2];
    const res = await deliver({ kind: "referrals.clicks", clicks: [good, bad] });
    expect(res.explicitAcks).toHaveLength(1);
    expect(res.retryMessages).toEqual([]);
    expect(await rowsOf(link)).toEqual([]);
  });
});

describe("click bursts", () => {
  it("reach D1 whole when one window's clicks are more than one queue message holds", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: `burst-${uid()}` });
    // ~700 characters a click: 400 concurrent clicks are well over the queue's 128 KB per message.
    const long = (c: string) => c.repeat(100);
    const query = `utm_source=${long("s")}&utm_medium=${long("m")}&utm_campaign=${long("c")}`;
    const sent = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        call(`/r/${r.code}?${query}`, {
          headers: {
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
            "cf-connecting-ip": `198.51.100.${i % 250}`,
            referer: `https://${"h".repeat(240)}.example/${i}`,
          },
        }),
      ),
    );
    expect(sent.every((res) => res.status === 302)).toBe(true);
    const linkId = (await db().query.referralLinks.findFirst({ where: (l, { eq }) => eq(l.code, r.code) }))?.id ?? "";
    const rows = await eventually(async () => {
      const all = await rowsOf(linkId);
      return all.length >= 400 ? all : null;
    });
    expect(rows).toHaveLength(400);
    expect(rows[0]).toMatchObject({ utmCampaign: long("c"), referrerHost: `${"h".repeat(240)}.example` });
  });
});

describe("clicks by signed-in visitors", () => {
  it("are one referral_clicked event on the visitor's contact per counted click: none for anonymous visitors, bad tokens, the referrer or a redelivery", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const referrer = `owner-${uid()}`;
    const r = await enroll(key, p.id, { id: referrer });
    const fan = `fan-${uid()}`;
    const valid = await identityToken({ id: fan, email: `${fan}@example.com`, name: "Fan" });
    // The fan's id, signed with another secret: only the host app's signature makes a visitor known.
    const forged = await identityToken({ id: fan }, { secret: "not-the-host-apps-secret-0123456789ab" });
    const visit = (ip: string, token?: string) =>
      call(`/r/${r.code}`, {
        headers: {
          "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
          "cf-connecting-ip": ip,
          ...(token ? { cookie: `rapport_identity=${token}` } : {}),
        },
      });
    const visits = [
      visit("198.51.100.1", valid),
      visit("198.51.100.2"),
      visit("198.51.100.3", forged),
      visit("198.51.100.4", `${valid.slice(0, -2)}xx`),
      visit("198.51.100.5", await identityToken({ id: referrer })),
    ];
    expect((await Promise.all(visits)).map((res) => res.status)).toEqual([302, 302, 302, 302, 302]);
    // The fan again within the hour: a repeat visit, not a click that counts.
    expect((await visit("198.51.100.1", valid)).status).toBe(302);
    const linkId = (await db().query.referralLinks.findFirst({ where: (l, { eq }) => eq(l.code, r.code) }))?.id ?? "";
    const rows = await eventually(async () => {
      const all = await rowsOf(linkId);
      return all.length >= 6 ? all : null;
    });
    const clicked = () => db().select().from(emailEvents).where(eq(emailEvents.event, "referral_clicked"));
    const [contact] = await db().select().from(contacts).where(eq(contacts.externalId, fan));
    const [event] = await clicked();
    expect(await clicked()).toHaveLength(1);
    const first = rows.find((k) => k.id === event.properties.clickId);
    expect(first?.duplicate).toBe(false);
    expect(event).toMatchObject({
      contactId: contact.id,
      occurredAt: first?.at,
      properties: { programId: p.id, linkId, referrerId: r.id },
    });
    const timeline = (await (
      await call(`/api/v1/contacts/${contact.id}/timeline`, { key: await newKey(["emails"]) })
    ).json()) as { data: Array<{ kind: string; event?: string }> };
    expect(timeline.data.filter((i) => i.kind === "event").map((i) => i.event)).toEqual(["referral_clicked"]);

    // The queue delivers at least once: the same click again writes nothing new.
    const k = first as typeof referralClicks.$inferSelect;
    const tuple: ClickTuple = [
      k.id,
      k.linkId,
      k.programId,
      k.referrerId,
      k.at,
      k.country,
      k.city,
      k.device,
      k.referrerHost,
      k.utmSource,
      k.utmMedium,
      k.utmCampaign,
      k.visitorHash,
      0,
      contact.id,
    ];
    expect((await deliver({ kind: "referrals.clicks", clicks: [tuple] })).explicitAcks).toHaveLength(1);
    expect(await clicked()).toEqual([event]);
  });
});

describe("visitor hashes", () => {
  it("are an HMAC of IP and user agent keyed by the secret and the UTC day: stable within a day, new the next", async () => {
    const visitor = "203.0.113.7\nMozilla/5.0 Firefox/130.0";
    const morning = Date.UTC(2030, 0, 15, 0, 0, 1);
    const evening = Date.UTC(2030, 0, 15, 23, 59, 59);
    const next = Date.UTC(2030, 0, 16, 0, 0, 0);
    const [a, b, c, d] = await visitorHashes("s3cret", [
      { visitor, at: morning },
      { visitor, at: evening },
      { visitor, at: next },
      { visitor: "203.0.113.8\nMozilla/5.0 Firefox/130.0", at: morning },
    ]);
    // Written down once from another HMAC implementation (Node's crypto):
    // createHmac("sha256", `s3cret:visitor:${day}`).update(visitor).digest("hex").slice(0, 32)
    expect([a, b, c, d]).toEqual([
      "b59d1fbc09d586f31f44826baf9fcbdf",
      "b59d1fbc09d586f31f44826baf9fcbdf",
      "be2b2625a5168b9c517e30c3da2e388f",
      "e665fe3b7381f82671c4893bd1c3d5b2",
    ]);
  });
});
