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
  // Edited apart and written back once: each change to url.searchParams re-serialises the URL.
  const params = new URLSearchParams(url.search);
  for (const [k, v] of query) if (!RESERVED.has(k) && !params.has(k)) params.append(k, v);
  for (const [k, v] of Object.entries(link.utm)) params.set(k, v);
  if (clickId) params.set(CLICK_PARAM, clickId);
  url.search = params.toString();
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

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The day's HMAC key, derived from the secret and the UTC day (imported once per isolate and day). */
function dayKey(secret: string, day: string): Promise<CryptoKey> {
  const id = `${secret}:visitor:${day}`;
  let key = keys.get(id);
  if (!key) {
    if (keys.size > 4) keys.clear();
    key = crypto.subtle.importKey("raw", enc.encode(id), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(id, key);
  }
  return key;
}

const hex = (buf: ArrayBuffer) =>
  Array.from(new Uint8Array(buf, 0, 16), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * A salted daily hash of IP + user agent: the same visitor within a UTC day, never the
 * address. `visitor` is `${ip}\n${ua}`; the day is the click's.
 */
export async function visitorHash(secret: string, visitor: string, at: number): Promise<string> {
  const key = await dayKey(secret, new Date(at).toISOString().slice(0, 10));
  return hex(await crypto.subtle.sign("HMAC", key, enc.encode(visitor)));
}

/** The hashes of a batch of clicks, each distinct visitor and day signed once. */
export async function visitorHashes(secret: string, clicks: Array<{ visitor: string; at: number }>) {
  const byInput = new Map<string, Promise<string>>();
  return Promise.all(
    clicks.map((c) => {
      const id = `${new Date(c.at).toISOString().slice(0, 10)}|${c.visitor}`;
      let h = byInput.get(id);
      if (!h) {
        h = visitorHash(secret, c.visitor, c.at);
        byInput.set(id, h);
      }
      return h;
    }),
  );
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
