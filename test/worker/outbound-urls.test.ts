import { describe, expect, it } from "vitest";
import { isPrivateHost, outboundUrlProblem } from "../../worker/lib/urls.ts";

const strict = { ALLOW_PRIVATE_URLS: "false" };
const dev = { ALLOW_PRIVATE_URLS: "true" };

// Every spelling of a destination inside a network, as a user could type it into a webhook or monitor URL.
const REFUSED = [
  // IPv4 in the forms the URL parser turns into dotted quads
  "https://127.0.0.1/",
  "https://0x7f.1/",
  "https://2130706433/",
  "https://0177.0.0.1/",
  "https://127.1/",
  "https://127.0.0.1./",
  "https://%31%32%37.0.0.1/",
  "https://１２７.0.0.1/",
  "https://0/",
  // IPv4 special-purpose ranges
  "https://10.1.2.3/",
  "https://100.64.0.1/",
  "https://100.127.255.254/",
  "https://169.254.169.254/latest/meta-data/",
  "https://172.16.0.1/",
  "https://172.31.255.255/",
  "https://192.0.0.8/",
  "https://192.0.2.10/",
  "https://192.88.99.1/",
  "https://192.168.1.1/",
  "https://198.18.0.1/",
  "https://198.19.255.1/",
  "https://198.51.100.7/",
  "https://203.0.113.7/",
  "https://224.0.0.1/",
  "https://239.255.255.250/",
  "https://240.0.0.1/",
  "https://255.255.255.255/",
  // IPv6
  "https://[::]/",
  "https://[::1]/",
  "https://[0:0:0:0:0:0:0:1]/",
  "https://[fc00::1]/",
  "https://[fd12:3456::1]/",
  "https://[fe80::1]/",
  "https://[febf::1]/",
  "https://[fec0::1]/",
  "https://[ff02::1]/",
  "https://[2001:db8::1]/",
  "https://[100::1]/",
  // IPv6 that embeds IPv4
  "https://[::ffff:169.254.169.254]/",
  "https://[::ffff:a9fe:a9fe]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[::ffff:10.0.0.1]/",
  "https://[::127.0.0.1]/",
  "https://[64:ff9b::a9fe:a9fe]/",
  "https://[64:ff9b::10.0.0.1]/",
  "https://[64:ff9b:1:a9fe:a9:fe00::]/",
  "https://[2002:a9fe:a9fe::1]/",
  "https://[2002:7f00:1::]/",
  "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
  // Names that never resolve publicly
  "https://localhost/",
  "https://LOCALHOST:8443/",
  "https://localhost./",
  "https://localhost../",
  "https://app.localhost/",
  "https://printer.local/",
  "https://db.internal/",
  "https://router.home.arpa/",
  "https://nas.lan/",
  "https://intranet/",
  "https://metadata/",
  "https://instance-data/",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://metadata.google.internal./",
];

const ALLOWED = [
  "https://example.com/hook",
  "https://fdic.gov/",
  "https://fc2.com/",
  "https://fe80.example.com/",
  "https://local.example.com/",
  "https://example.com./",
  "https://[2606:4700::1111]/",
  "https://[2a00:1450:4001::200e]/",
  "https://1.1.1.1/",
  "https://8.8.8.8:8443/x",
  "https://100.63.255.255/",
  "https://100.128.0.1/",
  "https://172.15.255.255/",
  "https://172.32.0.1/",
  "https://192.0.1.1/",
  "https://198.20.0.1/",
  "https://223.255.255.254/",
];

describe("outbound URLs (ALLOW_PRIVATE_URLS=false)", () => {
  it.each(REFUSED)("refuses %s", (url) => {
    expect(outboundUrlProblem(url, strict)).toMatch(/^points at /);
  });

  it.each(ALLOWED)("allows %s", (url) => {
    expect(outboundUrlProblem(url, strict)).toBeNull();
  });

  it("refuses plain http, credentials and what is not a URL", () => {
    expect(outboundUrlProblem("http://example.com/", strict)).toBe("must use https");
    expect(outboundUrlProblem("https://user:pw@example.com/", strict)).toMatch(/credentials/);
    expect(outboundUrlProblem("ftp://example.com/", strict)).toBe("must use https");
    expect(outboundUrlProblem("https://foo.123/", strict)).toBe("not a valid URL");
    expect(outboundUrlProblem("https://[::1%25eth0]/", strict)).toBe("not a valid URL");
  });
});

describe("outbound URLs (ALLOW_PRIVATE_URLS=true, local development)", () => {
  it.each([
    "http://127.0.0.1:8787/hook",
    "http://localhost:3000/",
    "http://[::1]:8080/",
    "http://10.0.0.5/",
    "http://192.168.1.20:9000/",
    "http://receiver:8080/",
    "http://printer.local/",
  ])("allows loopback and private %s", (url) => {
    expect(outboundUrlProblem(url, dev)).toBeNull();
  });

  it.each([
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::169.254.169.254]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[64:ff9b:1:a9fe:a9:fe00::]/",
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://metadata.google.internal./",
    "http://metadata/",
    "http://instance-data/",
  ])("still refuses link-local and cloud metadata %s", (url) => {
    expect(outboundUrlProblem(url, dev)).toMatch(/^points at a link-local or cloud metadata address/);
  });
});

describe("isPrivateHost", () => {
  it("normalises a hostname the URL parser has not seen yet", () => {
    for (const h of [
      "0x7f.1",
      "2130706433",
      "LOCALHOST.",
      "::1",
      "[::1]",
      "::ffff:169.254.169.254",
      "0:0::ffff:a9fe:a9fe",
    ]) {
      expect(isPrivateHost(h), h).toBe(true);
    }
    for (const h of ["example.com", "fdic.gov", "2606:4700::1111", "[2606:4700::1111]", "1.1.1.1"]) {
      expect(isPrivateHost(h), h).toBe(false);
    }
  });
});
