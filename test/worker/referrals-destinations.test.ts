import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allowedDestination, overridePath, resolveDestination } from "../../worker/referrals/destinations.ts";
import type { CachedLink } from "../../worker/referrals/link-cache.ts";
import { CLICK_PARAM, parseQuery, queryValue, redirectTarget } from "../../worker/referrals/redirect.ts";

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
  it("any URL it accepts is https on an allowed host, as a browser reads it (and it accepts some)", () => {
    // Half of the inputs are on an allowed host, in the spellings a marketer pastes (mixed case,
    // a port, userinfo, http), so the property is checked on URLs it accepts, not only on junk.
    const onAllowedHost = fc
      .tuple(
        fc.constantFrom("https://", "http://", "HTTPS://", "https://user@"),
        fc.constantFrom(...HOSTS, "APP.Example.com", "example.com:443"),
        fc.webPath(),
        fc.option(
          fc.webQueryParameters().map((q) => `?${q}`),
          { nil: "" },
        ),
        fc.option(
          fc.webFragments().map((f) => `#${f}`),
          { nil: "" },
        ),
      )
      .map((parts) => parts.join(""));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 2, arbitrary: onAllowedHost },
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.string(),
        ),
        (raw) => {
          const out = allowedDestination(raw, HOSTS);
          if (out === null) return;
          accepted++;
          const u = new URL(out);
          expect(u.protocol).toBe("https:");
          expect(HOSTS).toContain(u.hostname);
          expect(HOSTS).toContain(visitedHost(out));
        },
      ),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(50);
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

describe("redirect target (property tests)", () => {
  const name = fc.constantFrom("utm_source", "utm_medium", "utm_campaign", "ref", "a b", "x&y", "to", CLICK_PARAM, "é");
  const value = fc.string({ maxLength: 12 });
  const pairs = fc.array(fc.tuple(name, value), { maxLength: 6 });
  // `to` from the visitor is the path override, tested above; here it is only in destinations.
  const visitorPairs = fc.array(
    fc.tuple(
      name.filter((n) => n !== "to"),
      value,
    ),
    { maxLength: 6 },
  );
  const link = (destination: string, utm: Record<string, string>): CachedLink => ({
    linkId: "lnk_1",
    programId: "prg_1",
    referrerId: null,
    referrerExternalId: null,
    destination,
    utm,
    allowedHosts: HOSTS,
    windowDays: 90,
    attributionModel: "last_click",
    active: true,
  });

  it("keeps the destination, sets the link's UTM, passes the visitor's query through without overriding, adds the click", () => {
    fc.assert(
      fc.property(
        fc.webPath(),
        pairs,
        fc.dictionary(fc.constantFrom("utm_source", "utm_medium", "utm_campaign"), value),
        visitorPairs,
        fc.option(fc.constantFrom("clk_abc_CODE-1", "clk_x"), { nil: null }),
        fc.constantFrom("", "#top"),
        (path, destPairs, utm, visitor, clickId, hash) => {
          const dest = new URL(`https://app.example.com${path}`);
          dest.search = new URLSearchParams(destPairs).toString();
          dest.hash = hash;
          const l = link(dest.toString(), utm);
          const sent = new URLSearchParams(visitor);
          const query = parseQuery(sent.toString());
          const out = new URL(redirectTarget(l, query, clickId));
          // Twice: the second answer comes from the link's prepared prefix.
          expect(redirectTarget(l, query, clickId)).toBe(out.toString());
          expect(out.origin + out.pathname + out.hash).toBe(dest.origin + dest.pathname + dest.hash);
          const destParams = new URLSearchParams(dest.search);
          const taken = new Set([...destParams.keys(), ...Object.keys(utm)]);
          for (const [k, v] of Object.entries(utm)) expect(out.searchParams.getAll(k)).toEqual([v]);
          for (const k of destParams.keys()) {
            if (k in utm || k === CLICK_PARAM) continue;
            expect(out.searchParams.getAll(k)).toEqual(destParams.getAll(k));
          }
          for (const [k] of visitor) {
            if (taken.has(k) || k === CLICK_PARAM) continue;
            expect(out.searchParams.getAll(k)).toEqual([sent.get(k)]);
          }
          if (!destParams.has("to")) expect(out.searchParams.has("to")).toBe(false);
          expect(out.searchParams.getAll(CLICK_PARAM)).toEqual(clickId ? [clickId] : []);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads names as URLSearchParams does and forwards what the visitor sent as written", () => {
    const query = parseQuery("a%zz=1&%61=2&b+c=x%20y&&to&ref=%E2%9C%93");
    expect(query?.map((p) => p.name)).toEqual(["a%zz", "a", "b c", "to", "ref"]);
    expect(queryValue(query, "b c")).toBe("x y");
    expect(queryValue(query, "to")).toBe("");
    expect(queryValue(query, "ref")).toBe("✓");
    expect(queryValue(query, "nope")).toBeNull();
    const out = redirectTarget(link("https://app.example.com/x?a=0#top", {}), query, null);
    expect(out).toBe("https://app.example.com/x?a=0&a%zz=1&b+c=x%20y&ref=%E2%9C%93#top");
  });
});
