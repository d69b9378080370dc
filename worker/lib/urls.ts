/** Loopback, private, link-local and other non-public hosts, which outbound calls must not reach. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal")) return true;
  if (h === "::1" || h === "::" || h.startsWith("fc") || h.startsWith("fd") || h.startsWith("fe80")) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  // Decimal or hex encodings of addresses are not hostnames anyone should use.
  return /^(0x[0-9a-f]+|\d+)$/.test(h);
}

/** Why an outbound URL (webhook, monitor) is refused, or null when it may be called. */
export function outboundUrlProblem(raw: string, env: { ALLOW_PRIVATE_URLS?: string }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  const allowPrivate = env.ALLOW_PRIVATE_URLS === "true";
  if (url.username || url.password) return "credentials in the URL are not allowed";
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return "must use https";
  if (!allowPrivate && isPrivateHost(url.hostname)) return "points at a private or loopback address";
  return null;
}
