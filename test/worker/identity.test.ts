import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { verifyIdentityToken } from "../../worker/lib/identity.ts";
import { call } from "./helpers.ts";

const DAY_S = 86_400;

/** A token as the host app signs it, with `iat` and `exp` in seconds chosen by the test (iat null: none). */
function token(times: { iat: number | null; exp: number }, secret = env.IDENTITY_SECRET) {
  const jwt = new SignJWT({ id: "lifetime-user" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(times.exp);
  if (times.iat !== null) jwt.setIssuedAt(times.iat);
  return jwt.sign(new TextEncoder().encode(secret));
}

const identity = async (t: string) => call("/api/v1/identity", { headers: { authorization: `Bearer ${t}` } });

describe("identity token lifetime", () => {
  // Relative to the Worker's clock: these hold at any hour.
  const now = () => Math.floor(Date.now() / 1000);

  it("accepts a token of an hour, of exactly 30 days, and one issued within a minute of skew", async () => {
    for (const times of [
      { iat: now(), exp: now() + 3600 },
      { iat: now(), exp: now() + 30 * DAY_S },
      { iat: now() + 30, exp: now() + 3600 },
      { iat: null, exp: now() + 3600 },
    ]) {
      const res = await identity(await token(times));
      expect(res.status, JSON.stringify(times)).toBe(200);
      expect(await res.json()).toMatchObject({ externalId: "lifetime-user" });
    }
  });

  it.each([
    ["living 31 days (exp − iat)", () => ({ iat: now(), exp: now() + 31 * DAY_S })],
    ["issued 40 days ago, expiring tomorrow", () => ({ iat: now() - 40 * DAY_S, exp: now() + DAY_S })],
    ["issued in the future beyond the 60 s skew", () => ({ iat: now() + 300, exp: now() + 3600 })],
    ["without iat, valid for 31 more days", () => ({ iat: null, exp: now() + 31 * DAY_S })],
  ])("refuses a token %s with 401", async (_name, times) => {
    const res = await identity(await token(times()));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("takes the maximum from IDENTITY_MAX_LIFETIME_DAYS, at a pinned time", async () => {
    const at = Date.UTC(2031, 0, 1, 3, 0, 0);
    const s = at / 1000;
    const week = { IDENTITY_SECRET: env.IDENTITY_SECRET, IDENTITY_MAX_LIFETIME_DAYS: "7" };
    await expect(verifyIdentityToken(await token({ iat: s, exp: s + 7 * DAY_S }), week, at)).resolves.toMatchObject({
      externalId: "lifetime-user",
    });
    await expect(verifyIdentityToken(await token({ iat: s, exp: s + 8 * DAY_S }), week, at)).rejects.toMatchObject({
      status: 401,
    });
    // Unset or nonsense: 30 days.
    const unset = { ...week, IDENTITY_MAX_LIFETIME_DAYS: "soon" };
    await expect(verifyIdentityToken(await token({ iat: s, exp: s + 30 * DAY_S }), unset, at)).resolves.toBeTruthy();
    await expect(verifyIdentityToken(await token({ iat: s, exp: s + 31 * DAY_S }), unset, at)).rejects.toMatchObject({
      status: 401,
    });
  });
});
