import { isbot } from "isbot";
import { newId } from "../lib/ids.ts";
import { overridePath } from "./destinations.ts";
import type { CachedLink } from "./link-cache.ts";

export const CLICK_PARAM = "rapport_click";
export const cookieName = (programId: string) => `rapport_ref_${programId}`;

/** The query that is never forwarded: the override itself and our own click parameter. */
const RESERVED = new Set(["to", CLICK_PARAM]);

/** A destination with the link's UTM set on it, ready to have the visitor's query appended. */
type Prepared = { base: string; sep: "?" | "&"; names: Set<string>; hash: string };

function prepare(destination: string, utm: Record<string, string>): Prepared {
  const url = new URL(destination);
  const params = new URLSearchParams(url.search);
  for (const [k, v] of Object.entries(utm)) params.set(k, v);
  params.delete(CLICK_PARAM);
  const search = params.toString();
  return {
    base: url.origin + url.pathname + (search ? `?${search}` : ""),
    sep: search ? "&" : "?",
    names: new Set(params.keys()),
    hash: url.hash,
  };
}

// Prepared once per cached link object: a cache refresh or link change brings a new object.
const prepared = new WeakMap<CachedLink, Prepared>();

/** The visitor's query as sent: each parameter's decoded name and its `name=value` text as written. */
export type VisitorQuery = Array<{ name: string; raw: string }>;

/** Splits a query string (no `?`, no fragment) without decoding values nobody reads. */
export function parseQuery(search: string): VisitorQuery | null {
  if (!search) return null;
  const out: VisitorQuery = [];
  for (const raw of search.split("&")) {
    if (!raw) continue;
    const eq = raw.indexOf("=");
    const name = eq < 0 ? raw : raw.slice(0, eq);
    // Decoded as URLSearchParams would (lenient with stray `%`), only when there is anything to decode.
    out.push({ name: /[%+]/.test(name) ? (new URLSearchParams(raw).keys().next().value ?? name) : name, raw });
  }
  return out.length ? out : null;
}

/** The decoded first value of `name`, or null. */
export function queryValue(query: VisitorQuery | null, name: string): string | null {
  const hit = query?.find((p) => p.name === name);
  return hit ? (new URLSearchParams(hit.raw).values().next().value ?? "") : null;
}

/**
 * Where a visit goes: the stored destination (or an allowed `?to=` path on its host) with the
 * link's UTM set, then the visitor's own parameters as they sent them, if the name is not taken
 * yet (first of each; never `to` or our click parameter), then the click id. The link's UTM and
 * the destination's query win on conflicts.
 */
export function redirectTarget(link: CachedLink, query: VisitorQuery | null, clickId: string | null): string {
  const to = queryValue(query, "to");
  const override = to ? overridePath(link.destination, to, link.allowedHosts) : null;
  let p = override ? prepare(override, link.utm) : prepared.get(link);
  if (!p) {
    p = prepare(link.destination, link.utm);
    prepared.set(link, p);
  }
  let out = p.base;
  let sep = p.sep;
  if (query) {
    const seen = new Set<string>();
    for (const { name, raw } of query) {
      if (RESERVED.has(name) || p.names.has(name) || seen.has(name)) continue;
      seen.add(name);
      out += sep + raw;
      sep = "&";
    }
  }
  if (clickId) out += `${sep}${CLICK_PARAM}=${encodeURIComponent(clickId)}`;
  return out + p.hash;
}

/** The first-party attribution cookie (same attributes hono's serializer writes, built without it on the hot path). */
export function clickCookie(programId: string, clickId: string, windowDays: number, secure: boolean): string {
  const maxAge = Math.min(windowDays, 400) * 86_400; // browsers cap cookie lifetimes at 400 days
  return `${cookieName(programId)}=${encodeURIComponent(clickId)}; Max-Age=${maxAge}; Path=/; HttpOnly${secure ? "; Secure" : ""}; SameSite=Lax`;
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

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const DAY = 86_400_000;

/**
 * Salted daily hashes of IP + user agent: the same visitor within a UTC day, never the
 * address. `visitor` is `${ip}\n${ua}`; the day is the click's. Each distinct visitor and day
 * of the batch is signed once.
 */
export async function visitorHashes(secret: string, clicks: Array<{ visitor: string; at: number }>) {
  const days = new Map<number, Promise<CryptoKey>>();
  const byInput = new Map<string, Promise<string>>();
  return Promise.all(
    clicks.map((c) => {
      const day = Math.floor(c.at / DAY);
      const id = `${day}|${c.visitor}`;
      let h = byInput.get(id);
      if (!h) {
        let key = days.get(day);
        if (!key) {
          key = dayKey(secret, new Date(day * DAY).toISOString().slice(0, 10));
          days.set(day, key);
        }
        h = sign(key, c.visitor);
        byInput.set(id, h);
      }
      return h;
    }),
  );
}

async function sign(key: Promise<CryptoKey>, visitor: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, enc.encode(visitor)));
  let out = "";
  for (let i = 0; i < 16; i++) out += HEX[mac[i]];
  return out;
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
