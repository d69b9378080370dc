import type { Context, MiddlewareHandler } from "hono";
import { sha256Hex } from "./crypto.ts";
import type { AppEnv } from "./env.ts";
import { Problem } from "./problem.ts";

/** The period configured for PUBLIC_WRITES in wrangler.toml, echoed in Retry-After. */
const PERIOD_SECONDS = 60;

/** The visitor's key: their contact when identified, else a hash of the client address. */
export async function visitorKey(c: Context<AppEnv>): Promise<string> {
  const visitor = c.get("visitor");
  if (visitor) return `ct:${visitor.contactId}`;
  const ip = c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for") ?? "unknown";
  return `ip:${(await sha256Hex(ip)).slice(0, 32)}`;
}

const rateLimited = () =>
  new Problem(429, "rate-limited", "Slow down: try again in a minute", {}, { "retry-after": String(PERIOD_SECONDS) });

/** Throttles public writes per visitor with the Workers Rate Limiting binding. */
export function rateLimit(bucket: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { success } = await c.env.PUBLIC_WRITES.limit({ key: `${bucket}:${await visitorKey(c)}` });
    if (!success) throw rateLimited();
    await next();
  };
}

/** Fixed 60 s windows (aligned like the binding's) of this isolate: visitor key → count. */
const isolateWindows = new Map<string, { window: number; count: number }>();
const MAX_TRACKED = 10_000;

/**
 * Throttles an idempotent public write per visitor in this isolate, `perMinute(env)` per fixed 60 s
 * window, without a call out: a vote changes one row at most, so what the throttle guards is D1's write
 * load, and the rate limiting binding costs a round trip per request on the hottest write path.
 */
export function isolateRateLimit(
  bucket: string,
  perMinute: (env: AppEnv["Bindings"]) => number,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = `${bucket}:${await visitorKey(c)}`;
    const window = Math.floor(Date.now() / (PERIOD_SECONDS * 1000));
    let entry = isolateWindows.get(key);
    if (!entry || entry.window !== window) {
      if (isolateWindows.size >= MAX_TRACKED) forgetOldWindows(window);
      entry = { window, count: 0 };
      isolateWindows.set(key, entry);
    }
    if (++entry.count > perMinute(c.env)) throw rateLimited();
    await next();
  };
}

function forgetOldWindows(window: number) {
  for (const [k, v] of isolateWindows) if (v.window !== window) isolateWindows.delete(k);
  // All in the current window: drop the oldest-tracked, as a visitor seen first is likeliest gone.
  while (isolateWindows.size >= MAX_TRACKED) isolateWindows.delete(isolateWindows.keys().next().value as string);
}
