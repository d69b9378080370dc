import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { referralClicks, referralLinks, referralPrograms } from "../../db/schema/index.ts";
import { cachedLink, LINK_TTL_MS } from "../../worker/referrals/link-cache.ts";
import { loadLink } from "../../worker/referrals/store/links.ts";
import { call, db, eventually, newKey } from "./helpers.ts";
import { enroll, newProgram } from "./referrals-support.ts";

const PROBLEM = "application/problem+json";

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe(PROBLEM);
  return (await res.json()) as { type: string; errors?: Array<{ path: string }> };
}

describe("programs", () => {
  it("creates, reads, lists and archives a program", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key, { windowDays: 30, attributionModel: "first_click" });
    expect(p).toMatchObject({ windowDays: 30, attributionModel: "first_click", state: "active" });
    expect((await (await call(`/api/v1/programs/${p.id}`, { key })).json()) as object).toMatchObject({ id: p.id });
    const list = (await (await call("/api/v1/programs?limit=200", { key })).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((x) => x.id)).toContain(p.id);
    const r = await enroll(key, p.id, { id: "cust-archive-1" });
    expect((await call(`/r/${r.code}`, { method: "HEAD" })).status).toBe(302);
    const res = await call(`/api/v1/programs/${p.id}`, { method: "PATCH", key, json: { state: "archived" } });
    expect(((await res.json()) as { state: string }).state).toBe("archived");
    // An archived program's links stop at once (the cached code is dropped) and it takes no one new.
    expect((await call(`/r/${r.code}`, { method: "HEAD" })).status).toBe(404);
    await problem(
      await call(`/api/v1/programs/${p.id}/referrers`, { method: "POST", key, json: { customer: { id: "x-1" } } }),
      409,
    );
  });

  it("refuses a default destination off the allow-list, non-https, or a bad policy, and writes nothing", async () => {
    const key = await newKey(["referrals"]);
    const before = (await db().query.referralPrograms.findMany()).length;
    for (const bad of ["http://app.example.com/", "https://evil.example.net/", "https://app.example.com@evil.com/"]) {
      const body = await problem(
        await call("/api/v1/programs", {
          method: "POST",
          key,
          json: {
            name: "x",
            allowedHosts: ["app.example.com"],
            defaultDestination: bad,
            rewardPolicy: { referrer: { tiers: [{ minQualified: 1, reward: { kind: "discount", percent: 10 } }] } },
          },
        }),
        400,
      );
      expect(body.errors?.[0]?.path).toBe("body.defaultDestination");
    }
    const body = await problem(
      await call("/api/v1/programs", {
        method: "POST",
        key,
        json: {
          name: "x",
          allowedHosts: ["app.example.com"],
          defaultDestination: "https://app.example.com/",
          rewardPolicy: {
            referrer: {
              tiers: [
                { minQualified: 5, reward: { kind: "discount", percent: 10 } },
                { minQualified: 1, reward: { kind: "credit", amount: -1, currency: "usd" } },
              ],
            },
          },
        },
      }),
      400,
    );
    expect(body.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining(["body.rewardPolicy.referrer.tiers.1.reward.amount"]),
    );
    expect(await db().query.referralPrograms.findMany()).toHaveLength(before);
  });

  it("404 for an unknown program, 403 for another capability's key", async () => {
    const key = await newKey(["referrals"]);
    await problem(await call("/api/v1/programs/prg_nope", { key }), 404);
    await problem(await call("/api/v1/programs", { key: await newKey(["feedback"]) }), 403);
  });
});

describe("referrers and links", () => {
  it("enrolling the same customer twice gives the same typeable code", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const a = await enroll(key, p.id, { id: "cust-enroll-1", email: "enroll@example.com", name: "Enna" });
    const b = await enroll(key, p.id, { id: "cust-enroll-1" });
    expect(b.code).toBe(a.code);
    expect(b.id).toBe(a.id);
    expect(a.code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
    expect(a.url).toBe(`${env.PUBLIC_URL}/r/${a.code}`);
    const all = await Promise.all([1, 2, 3].map(() => enroll(key, p.id, { id: "cust-enroll-2" })));
    expect(new Set(all.map((r) => r.code)).size).toBe(1);
  });

  it("campaign links keep an allow-listed destination and refuse others", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const res = await call(`/api/v1/programs/${p.id}/links`, {
      method: "POST",
      key,
      json: { name: "Podcast", code: "podcast-ada", destination: "/pricing", utm: { utm_source: "podcast" } },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      code: "PODCAST-ADA",
      kind: "campaign",
      destination: "https://app.example.com/pricing",
    });
    const taken = await call(`/api/v1/programs/${p.id}/links`, {
      method: "POST",
      key,
      json: { name: "Again", code: "Podcast-Ada", destination: "/x" },
    });
    await problem(taken, 409);
    for (const destination of ["https://evil.com/x", "//evil.com/x", "/\\evil.com", "javascript:alert(1)"]) {
      const body = await problem(
        await call(`/api/v1/programs/${p.id}/links`, { method: "POST", key, json: { name: "x", destination } }),
        400,
      );
      expect(body.errors?.[0]?.path).toBe("body.destination");
    }
  });
});

describe("GET /r/:code", () => {
  it("302s to the destination with the query passed through, link UTM winning, and a click cookie", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const link = (await (
      await call(`/api/v1/programs/${p.id}/links`, {
        method: "POST",
        key,
        json: { name: "News", destination: "/welcome", utm: { utm_source: "newsletter", utm_campaign: "fall" } },
      })
    ).json()) as { code: string; id: string };
    const res = await call(`/r/${link.code.toLowerCase()}?utm_source=twitter&ref=abc&to=//evil.com`, {
      headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148" },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const to = new URL(res.headers.get("location") ?? "");
    expect(to.origin + to.pathname).toBe("https://app.example.com/welcome");
    expect(to.searchParams.get("utm_source")).toBe("newsletter");
    expect(to.searchParams.get("utm_campaign")).toBe("fall");
    expect(to.searchParams.get("ref")).toBe("abc");
    expect(to.searchParams.has("to")).toBe(false);
    const clickId = to.searchParams.get("rapport_click") ?? "";
    expect(clickId).toMatch(/^clk_/);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`rapport_ref_${p.id}=${clickId}`);
    expect(cookie).toContain(`Max-Age=${90 * 86400}`);
    expect(cookie).toMatch(/HttpOnly/i);

    const click = await eventually(() =>
      db().query.referralClicks.findFirst({ where: eq(referralClicks.id, clickId) }),
    );
    expect(click).toMatchObject({ linkId: link.id, device: "mobile", utmSource: "newsletter", duplicate: false });
    expect(click.visitorHash).toMatch(/^[0-9a-f]{32}$/);

    const attribution = await call("/api/v1/attribution", { headers: { cookie: `rapport_ref_${p.id}=${clickId}` } });
    expect(await attribution.json()).toMatchObject({ clickId, programId: p.id });
  });

  it("allows a ?to= path on the destination host only", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: "cust-to-1" });
    const ok = await call(`/r/${r.code}?to=${encodeURIComponent("/pricing?x=1")}`);
    expect(new URL(ok.headers.get("location") ?? "").pathname).toBe("/pricing");
    for (const to of ["https://evil.com/", "//evil.com", "/\\evil.com", "/%2f%2fevil.com", "@evil.com"]) {
      const res = await call(`/r/${r.code}?to=${encodeURIComponent(to)}`);
      const loc = new URL(res.headers.get("location") ?? "");
      expect(loc.host, to).toBe("app.example.com");
      expect(loc.pathname, to).toBe("/signup");
    }
  });

  it("unknown or malformed codes get a friendly 404 page, never a redirect", async () => {
    for (const path of ["/r/NOPE2345", "/r/%3Cscript%3E", "/r/ab"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("lead anywhere");
    }
  });

  it("HEAD and bots redirect but are not counted; duplicates within the hour are flagged", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const r = await enroll(key, p.id, { id: "cust-bots-1" });
    const head = await call(`/r/${r.code}`, { method: "HEAD" });
    expect(head.status).toBe(302);
    const bot = await call(`/r/${r.code}`, {
      headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" },
    });
    expect(bot.status).toBe(302);
    expect(bot.headers.get("set-cookie")).toBeNull();
    const human = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "cf-connecting-ip": "203.0.113.9" };
    await call(`/r/${r.code}`, { headers: human });
    await call(`/r/${r.code}`, { headers: human });
    const rows = await eventually(async () => {
      const all = await db()
        .select()
        .from(referralClicks)
        .where(eq(referralClicks.linkId, (await linkOf(r.code)).id));
      return all.length >= 2 ? all : null;
    });
    await new Promise((res) => setTimeout(res, 300));
    const again = await db()
      .select()
      .from(referralClicks)
      .where(eq(referralClicks.linkId, (await linkOf(r.code)).id));
    expect(again).toHaveLength(2);
    expect(rows.map((c) => c.duplicate).sort()).toEqual([false, true]);
  });

  it("serves a warm code without D1 and forgets it when the link changes", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const link = (await (
      await call(`/api/v1/programs/${p.id}/links`, { method: "POST", key, json: { name: "Warm", destination: "/a" } })
    ).json()) as { code: string; id: string };
    expect((await call(`/r/${link.code}`, { method: "HEAD" })).status).toBe(302);
    // Gone from D1 behind the cache's back: a warm code still redirects, so it did not read D1.
    const row = await linkOf(link.code);
    await db().delete(referralLinks).where(eq(referralLinks.id, link.id));
    const warm = await call(`/r/${link.code}`, { method: "HEAD" });
    expect(warm.status).toBe(302);
    expect(new URL(warm.headers.get("location") ?? "").pathname).toBe("/a");
    await db().insert(referralLinks).values(row);
    // A change through the API invalidates at once.
    const patched = await call(`/api/v1/links/${link.id}`, { method: "PATCH", key, json: { destination: "/b" } });
    expect(patched.status).toBe(200);
    const after = await call(`/r/${link.code}`, { method: "HEAD" });
    expect(new URL(after.headers.get("location") ?? "").pathname).toBe("/b");
    await call(`/api/v1/links/${link.id}`, { method: "PATCH", key, json: { disabled: true } });
    expect((await call(`/r/${link.code}`)).status).toBe(404);
  });
});

describe("a destination the program no longer allows", () => {
  const PROMO = "https://www.example.com/promo";
  async function promoLink(key: string, programId: string) {
    const res = await call(`/api/v1/programs/${programId}/links`, {
      method: "POST",
      key,
      json: { name: "Promo", destination: PROMO },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; code: string };
  }
  const hosts = (key: string, programId: string, allowedHosts: string[]) =>
    call(`/api/v1/programs/${programId}`, { method: "PATCH", key, json: { allowedHosts } });
  const location = async (code: string) => (await call(`/r/${code}`, { method: "HEAD" })).headers.get("location");

  it("sends the link's visitors to the program's default once the host is dropped, and the link list says so", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const link = await promoLink(key, p.id);
    expect(await location(link.code)).toBe(PROMO);

    expect((await hosts(key, p.id, ["app.example.com"])).status).toBe(200);
    expect(await location(link.code)).toBe(p.defaultDestination);
    const list = (await (await call(`/api/v1/links?programId=${p.id}`, { key })).json()) as {
      data: Array<{ id: string; destination: string; destinationAllowed: boolean; redirectsTo: string | null }>;
    };
    expect(list.data.find((l) => l.id === link.id)).toMatchObject({
      destination: PROMO,
      destinationAllowed: false,
      redirectsTo: p.defaultDestination,
    });

    // The stored destination is kept: allowing the host again restores it.
    expect((await hosts(key, p.id, ["app.example.com", "www.example.com"])).status).toBe(200);
    expect(await location(link.code)).toBe(PROMO);
  });

  it("reaches a warm link in another isolate within the cache's bound, and is a 404 when nothing is allowed", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const link = await promoLink(key, p.id);
    // This isolate's cache with its own clock, loading from D1 as the redirect does; the program
    // is changed in D1 directly, as a PATCH served by another isolate would leave it.
    const load = (code: string) => loadLink(db(), code);
    const t0 = Date.UTC(2030, 0, 1);
    const setHosts = (allowedHosts: string[]) =>
      db().update(referralPrograms).set({ allowedHosts }).where(eq(referralPrograms.id, p.id));
    expect((await cachedLink(link.code, load, t0))?.destination).toBe(PROMO);
    await setHosts(["app.example.com"]);
    expect((await cachedLink(link.code, load, t0 + LINK_TTL_MS - 1))?.destination).toBe(PROMO);
    expect((await cachedLink(link.code, load, t0 + LINK_TTL_MS))?.destination).toBe(p.defaultDestination);
    // Not even the default is allowed (only possible behind the API's back): nowhere to send anyone.
    await setHosts(["other.example.com"]);
    expect(await cachedLink(link.code, load, t0 + 2 * LINK_TTL_MS)).toBeNull();
  });
});

async function linkOf(code: string) {
  const row = await db().query.referralLinks.findFirst({ where: eq(referralLinks.code, code) });
  if (!row) throw new Error("no link");
  return row;
}
