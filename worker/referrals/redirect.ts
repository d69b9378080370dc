import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { isbot } from "isbot";
import { newId } from "../lib/ids.ts";
import { overridePath } from "./destinations.ts";
import type { CachedLink } from "./link-cache.ts";

export const CLICK_PARAM = "rapport_click";
export const cookieName = (programId: string) => `rapport_ref_${programId}`;

/** The query that is never forwarded: the override itself and our own click parameter. */
const RESERVED = new Set(["to", CLICK_PARAM]);

/**
 * Where a visit goes: the stored destination (or an allowed `?to=` path on its host), with
 * the visitor's query passed through, the link's UTM winning, and the click id appended.
 */
export function redirectTarget(link: CachedLink, query: URLSearchParams, clickId: string | null): string {
  const to = query.get("to");
  const url = new URL((to && overridePath(link.destination, to, link.allowedHosts)) || link.destination);
  for (const [k, v] of query) if (!RESERVED.has(k) && !url.searchParams.has(k)) url.searchParams.append(k, v);
  for (const [k, v] of Object.entries(link.utm)) url.searchParams.set(k, v);
  if (clickId) url.searchParams.set(CLICK_PARAM, clickId);
  return url.toString();
}

export function deviceClass(ua: string): "mobile" | "tablet" | "desktop" | "unknown" {
  if (!ua) return "unknown";
  if (/iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(ua)) return "tablet";
  if (/Mobi|iPhone|iPod|Android|Windows Phone|Opera Mini/i.test(ua)) return "mobile";
  return "desktop";
}

type UaClass = { bot: boolean; device: ReturnType<typeof deviceClass> };
// A few hundred user-agent strings cover most traffic; isbot's pattern is the costliest step of
// a redirect, so each string is classified once per isolate (bounded: cleared when full).
const uaClasses = new Map<string, UaClass>();
const MAX_UAS = 2000;

export function classifyUa(ua: string): UaClass {
  let known = uaClasses.get(ua);
  if (!known) {
    if (uaClasses.size >= MAX_UAS) uaClasses.clear();
    known = { bot: isbot(ua), device: deviceClass(ua) };
    uaClasses.set(ua, known);
  }
  return known;
}

export const isCountable = (method: string, ua: string) => method === "GET" && !classifyUa(ua).bot;

let hmacKeyText = "";
let hmacKey: Buffer | null = null;

/**
 * A salted daily hash of IP + user agent: the same visitor within a UTC day, never the
 * address. Synchronous (node:crypto) so the redirect can hand the click over without awaiting.
 */
export function visitorHash(secret: string, ip: string, ua: string, now: number): string {
  const keyText = `${secret}:visitor:${new Date(now).toISOString().slice(0, 10)}`;
  if (keyText !== hmacKeyText || !hmacKey) {
    hmacKey = Buffer.from(keyText);
    hmacKeyText = keyText;
  }
  return createHmac("sha256", hmacKey).update(`${ip}\n${ua}`).digest("hex").slice(0, 32);
}

export const newClickId = (code: string, now: number) => `${newId("clk", now)}_${code}`;

export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).hostname.slice(0, 253) || null;
  } catch {
    return null;
  }
}
