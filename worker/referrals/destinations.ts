/**
 * Where a link may send people. Destinations are decided when a link is created (and
 * `?to=` paths at redirect time) against the program's allow-list of https hosts.
 */
import { badRequest, Problem } from "../lib/problem.ts";

/** Backslashes, whitespace and control characters are read differently by browsers and parsers. */
function unsafeChars(raw: string): boolean {
  if (/[\\\s]/.test(raw)) return true;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The normalised https URL when `raw` is an absolute https URL on an allowed host, else null. */
export function allowedDestination(raw: string, allowedHosts: readonly string[]): string | null {
  if (unsafeChars(raw)) return null;
  if (!/^https:\/\/[^/?#]+/i.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.port) return null;
  // The authority as written must be exactly the parsed host (no `@`, no percent-escapes, no dots tricks).
  const authority = /^https:\/\/([^/?#]*)/i.exec(raw)?.[1]?.toLowerCase();
  if (authority !== url.hostname) return null;
  if (!allowedHosts.includes(url.hostname)) return null;
  // Encoded slashes or dots in the path can turn into another path (or host) after decoding.
  if (/%2f|%5c|%2e/i.test(url.pathname)) return null;
  return url.toString();
}

/**
 * A stored destination (https URL or a path on `base`'s host) for a campaign link, or null.
 */
export function resolveDestination(raw: string, base: string, allowedHosts: readonly string[]): string | null {
  if (raw.startsWith("/")) {
    const path = safePath(raw);
    return path ? allowedDestination(new URL(base).origin + path, allowedHosts) : null;
  }
  return allowedDestination(raw, allowedHosts);
}

/** A same-origin path (`/x/y?z`), refusing `//host`, `/\host`, and encoded separators. */
export function safePath(raw: string): string | null {
  if (raw.length > 1000 || !raw.startsWith("/") || raw.startsWith("//")) return null;
  if (unsafeChars(raw) || /%2f|%5c|%2e|%00/i.test(raw) || raw.includes("#")) return null;
  return raw;
}

/**
 * The `?to=` override: a path on the destination's own (allowed) host, or null to ignore it.
 */
export function overridePath(destination: string, to: string, allowedHosts: readonly string[]): string | null {
  const path = safePath(to);
  if (!path) return null;
  return allowedDestination(new URL(destination).origin + path, allowedHosts);
}

/**
 * Where a link sends people now: its own destination (a referral link has none) while that is
 * still on the program's allowed hosts, else the program's default while that is, else nowhere.
 * Hosts can be dropped after a link was made, so this is asked again whenever a link is loaded.
 */
export function currentDestination(
  destination: string | null,
  program: { defaultDestination: string; allowedHosts: readonly string[] },
): string | null {
  if (destination && allowedDestination(destination, program.allowedHosts)) return destination;
  return allowedDestination(program.defaultDestination, program.allowedHosts) ? program.defaultDestination : null;
}

/** A program's default destination, normalised; refused unless it is an https URL on one of `hosts`. */
export function defaultDestinationOrThrow(destination: string, hosts: string[]): string {
  const ok = allowedDestination(destination, hosts);
  if (!ok) {
    throw new Problem(400, "validation-failed", "The default destination must be an https URL on an allowed host", {
      errors: [
        {
          path: "body.defaultDestination",
          message: `must be an https URL on one of the allowed hosts (${hosts.join(", ")})`,
        },
      ],
    });
  }
  return ok;
}

/** A campaign link's destination (a URL or a path) resolved against its program; refused when not allowed. */
export function destinationOrThrow(
  program: { defaultDestination: string; allowedHosts: string[] },
  raw: string,
): string {
  const destination = resolveDestination(raw, program.defaultDestination, program.allowedHosts);
  if (!destination) {
    throw badRequest("The destination must be an https URL (or a path) on one of the program's allowed hosts", [
      { path: "body.destination", message: `allowed hosts: ${program.allowedHosts.join(", ")}` },
    ]);
  }
  return destination;
}

/** Only campaign links have a destination of their own: a referral link goes to the program's default. */
export function refuseOwnDestination(kind: "referral" | "campaign", destination: string | undefined): void {
  if (kind === "referral" && destination !== undefined) {
    throw badRequest("A referral link goes to the program's default destination", [
      { path: "body.destination", message: "only campaign links have their own destination" },
    ]);
  }
}
