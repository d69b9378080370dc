// Where outbound requests (webhooks, monitors, status webhook subscriptions) may go: the one rule.

/**
 * How far from the public internet a host is. `private` (loopback, private networks, reserved
 * ranges, local names) is allowed by ALLOW_PRIVATE_URLS for local development; `metadata`
 * (link-local and cloud metadata services) never is.
 */
type Refusal = { level: "private" | "metadata"; why: string };

const METADATA: Refusal = { level: "metadata", why: "a link-local or cloud metadata address" };
const V4: Refusal = { level: "private", why: "a loopback, private or reserved IPv4 address" };
const V6: Refusal = { level: "private", why: "a loopback, private or reserved IPv6 address" };
const EMBEDDED: Refusal = { level: "private", why: "an IPv6 address that embeds an IPv4 address" };
const LOCAL_NAME: Refusal = { level: "private", why: "a local name" };

/** IPv4 special-purpose ranges (RFC 6890 and the IANA registry) that are no public destination. */
const V4_RANGES = (
  [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.0.2.0", 24],
    ["192.88.99.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const
).map(([base, bits]) => ({ base: parseIPv4(base) ?? 0, shift: 32 - bits }));

// Names whose only purpose is the instance metadata service (also when ALLOW_PRIVATE_URLS=true).
const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "instance-data"]);
/** Special-use and never-delegated suffixes: no public DNS answer, so only a local network resolves them. */
const LOCAL_SUFFIXES = [
  "localhost",
  "local",
  "localdomain",
  "internal",
  "intranet",
  "lan",
  "home",
  "corp",
  "home.arpa",
  "test",
  "invalid",
  "example",
  "onion",
];

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or null. */
function parseIPv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function classifyIPv4(ip: number): Refusal | null {
  // 169.254.0.0/16 is link-local (cloud metadata at .169.254); 100.100.100.200 is Alibaba Cloud's.
  if (ip >>> 16 === 0xa9fe || ip === 0x646464c8) return METADATA;
  return V4_RANGES.some((r) => ip >>> r.shift === r.base >>> r.shift) ? V4 : null;
}

/** An IPv6 address as eight 16-bit words (`::` expanded, a trailing dotted quad allowed), or null. */
function parseIPv6(s: string): number[] | null {
  const words = (part: string, last: boolean): number[] | null => {
    const out: number[] = [];
    const groups = part === "" ? [] : part.split(":");
    for (const [i, g] of groups.entries()) {
      if (last && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4(g);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(Number.parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const gap = s.indexOf("::");
  if (gap < 0) {
    const all = words(s, true);
    return all?.length === 8 ? all : null;
  }
  if (s.indexOf("::", gap + 1) >= 0) return null;
  const head = words(s.slice(0, gap), false);
  const tail = words(s.slice(gap + 2), true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

const v4Of = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

/** The IPv4 address an IPv6 transition form carries (mapped, compatible, NAT64, 6to4, Teredo), if any. */
function embeddedIPv4(w: number[]): number | null {
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (w[5] === 0xffff || w[5] === 0)) return v4Of(w[6], w[7]); // ::ffff:a.b.c.d, ::a.b.c.d
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return v4Of(w[6], w[7]); // 64:ff9b::/96
  if (w[0] === 0x64 && w[1] === 0xff9b && w[2] === 1) return v4Of(w[3], ((w[4] & 0xff) << 8) | (w[5] >>> 8)); // /48
  if (w[0] === 0x2002) return v4Of(w[1], w[2]); // 6to4
  if (w[0] === 0x2001 && w[1] === 0) return v4Of(w[6] ^ 0xffff, w[7] ^ 0xffff); // Teredo client
  return null;
}

const AWS_METADATA_V6 = parseIPv6("fd00:ec2::254")?.join(":");

function classifyIPv6(w: number[]): Refusal | null {
  if (w.slice(0, 7).every((x) => x === 0) && w[7] <= 1) return V6; // :: and ::1
  const v4 = embeddedIPv4(w);
  if (v4 !== null) return classifyIPv4(v4)?.level === "metadata" ? METADATA : EMBEDDED;
  if ((w[0] & 0xffc0) === 0xfe80 || w.join(":") === AWS_METADATA_V6) return METADATA; // fe80::/10
  // Only 2000::/3 is global unicast; inside it, the special-purpose and documentation blocks.
  if ((w[0] & 0xe000) !== 0x2000) return V6;
  if (w[0] === 0x2001 && (w[1] < 0x200 || w[1] === 0xdb8)) return V6; // 2001::/23, 2001:db8::/32
  if (w[0] === 0x3fff && w[1] < 0x1000) return V6; // 3fff::/20
  return null;
}

function classifyName(name: string): Refusal | null {
  if (METADATA_NAMES.has(name)) return METADATA;
  if (!name.includes(".")) return LOCAL_NAME;
  return LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`)) ? LOCAL_NAME : null;
}

/**
 * Why a host is no public destination, or null. Takes a hostname as the WHATWG URL parser leaves
 * it (decimal, octal, hex and short IPv4 already dotted quads; IPv6 bracketed); anything else is
 * put through that parser first.
 */
export function hostRefusal(hostname: string): Refusal | null {
  let host = hostname;
  try {
    host = new URL(`http://${/^[^[].*:/.test(host) ? `[${host}]` : host}/`).hostname;
  } catch {
    return LOCAL_NAME;
  }
  if (host.startsWith("[")) {
    const words = parseIPv6(host.slice(1, -1));
    return words ? classifyIPv6(words) : V6;
  }
  // A trailing dot is the same name, fully qualified: `localhost.` is localhost.
  const name = host.replace(/\.+$/, "");
  const v4 = parseIPv4(name);
  return v4 === null ? classifyName(name) : classifyIPv4(v4);
}

/** Loopback, private, link-local, reserved and local-name hosts, which outbound calls must not reach. */
export const isPrivateHost = (hostname: string) => hostRefusal(hostname) !== null;

export type OutboundEnv = { ALLOW_PRIVATE_URLS?: string };

/**
 * Why an outbound URL (webhook, monitor, status subscription) is refused, or null when it may be
 * called. ALLOW_PRIVATE_URLS=true (local development) allows http, loopback and private networks,
 * never link-local or cloud metadata addresses.
 */
export function outboundUrlProblem(raw: string, env: OutboundEnv): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  const allowPrivate = env.ALLOW_PRIVATE_URLS === "true";
  if (url.username || url.password) return "credentials in the URL are not allowed";
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return "must use https";
  const refusal = hostRefusal(url.hostname);
  if (refusal && (refusal.level === "metadata" || !allowPrivate)) return `points at ${refusal.why}`;
  return null;
}
