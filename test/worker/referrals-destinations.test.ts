import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allowedDestination, overridePath, resolveDestination } from "../../worker/referrals/destinations.ts";

const HOSTS = ["app.example.com", "example.com"];
const BASE = "https://app.example.com/start";

/** What a browser would actually visit for a Location header value. */
const visitedHost = (location: string) => new URL(location, BASE).hostname;

const evilHost = fc.constantFrom(
  "evil.com",
  "example.com.evil.com",
  "app.example.com.evil.com",
  "evilexample.com",
  "app-example.com",
  "example.co",
  "xn--exmple-cua.com",
  "127.0.0.1",
  "app.example.com.",
);
const path = fc.webPath();

describe("destination allow-list (property tests)", () => {
  it("any URL it accepts is https on an allowed host, as a browser reads it", () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()), (raw) => {
        const out = allowedDestination(raw, HOSTS);
        if (out === null) return;
        const u = new URL(out);
        expect(u.protocol).toBe("https:");
        expect(HOSTS).toContain(u.hostname);
        expect(HOSTS).toContain(visitedHost(out));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses open-redirect tricks: userinfo, backslashes, encoded slashes, look-alike hosts, non-https", () => {
    const tricks = fc.oneof(
      fc.tuple(evilHost, path).map(([h, p]) => `https://app.example.com@${h}${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://${h}\\@app.example.com${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://app.example.com\\${h}${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://${h}${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://${h}%2f%2fapp.example.com${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://app.example.com%2F%2F${h}${p}`),
      path.map((p) => `http://app.example.com${p}`),
      path.map((p) => `javascript://app.example.com${p}`),
      path.map((p) => `https://app.example.com:8443${p}`),
      path.map((p) => `//app.example.com${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https:/\\${h}${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => ` https://${h}${p}`),
      fc.tuple(evilHost, path).map(([h, p]) => `https://app.example.com%40${h}${p}`),
    );
    fc.assert(
      fc.property(tricks, (raw) => {
        expect(allowedDestination(raw, HOSTS), raw).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts plain https URLs on allowed hosts and keeps their path and query", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HOSTS), fc.webPath(), (host, p) => {
        const raw = `https://${host}${p}`;
        const out = allowedDestination(raw, HOSTS);
        if (/%2f|%5c|%2e/i.test(p)) return;
        expect(out).not.toBeNull();
        expect(new URL(out ?? "").hostname).toBe(host);
      }),
    );
  });

  it("a ?to= override or a campaign path never leaves the destination's host", () => {
    const to = fc.oneof(
      fc.string(),
      fc.webPath(),
      evilHost.map((h) => `//${h}`),
      evilHost.map((h) => `/\\${h}`),
      evilHost.map((h) => `/%2f${h}`),
      evilHost.map((h) => `https://${h}/`),
      evilHost.map((h) => `/@${h}`),
      evilHost.map((h) => `/\t/${h}`),
    );
    fc.assert(
      fc.property(to, (raw) => {
        for (const out of [overridePath(BASE, raw, HOSTS), resolveDestination(raw, BASE, HOSTS)]) {
          if (out === null) continue;
          expect(visitedHost(out), raw).toBe("app.example.com");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
