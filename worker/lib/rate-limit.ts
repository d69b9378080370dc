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

/** Throttles public writes per visitor with the Workers Rate Limiting binding. */
export function rateLimit(bucket: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { success } = await c.env.PUBLIC_WRITES.limit({ key: `${bucket}:${await visitorKey(c)}` });
    if (!success) {
      throw new Problem(
        429,
        "rate-limited",
        "Slow down: try again in a minute",
        {},
        {
          "retry-after": String(PERIOD_SECONDS),
        },
      );
    }
    await next();
  };
}
