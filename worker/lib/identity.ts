import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { type JWTPayload, jwtVerify } from "jose";
import { upsertContact } from "./contacts.ts";
import { getDb } from "./db.ts";
import type { AppEnv, Visitor } from "./env.ts";
import { Problem } from "./problem.ts";

export type { Visitor };

export const IDENTITY_COOKIE = "rapport_identity";

const claimsSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  sub: z.string().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
  name: z.string().max(200).optional(),
});

/** How far in the future a token's `iat` may be (clocks differ a little). */
const CLOCK_SKEW_S = 60;

/** `IDENTITY_MAX_LIFETIME_DAYS` in seconds: 30 days unless set to a positive number. */
function maxLifetimeSeconds(days: string | undefined) {
  const n = Number(days);
  return (Number.isFinite(n) && n > 0 ? n : 30) * 86_400;
}

type IdentityEnv = Pick<Env, "IDENTITY_SECRET" | "IDENTITY_MAX_LIFETIME_DAYS">;

/**
 * Verifies an identity token signed by the host app (HS256 with the shared IDENTITY_SECRET, `exp`
 * required) and returns who it names. A token may live at most `IDENTITY_MAX_LIFETIME_DAYS`
 * (`exp − iat`) and may not be issued in the future; one without `iat` may not be valid for longer
 * than that from now, so a leaked token is never good for more than the maximum lifetime.
 * Anything else is a 401.
 */
export async function verifyIdentityToken(token: string, env: IdentityEnv, now = Date.now()) {
  if (!env.IDENTITY_SECRET) {
    throw new Problem(401, "unauthorized", "Visitor identity is not configured (IDENTITY_SECRET)");
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(env.IDENTITY_SECRET), {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
      currentDate: new Date(now),
    }));
  } catch {
    throw new Problem(401, "unauthorized", "The identity token is not valid, not signed by the host app, or expired");
  }
  const nowS = Math.floor(now / 1000);
  if (payload.iat !== undefined && payload.iat > nowS + CLOCK_SKEW_S) {
    throw new Problem(
      401,
      "unauthorized",
      "The identity token is issued in the future (`iat`): check the host's clock",
    );
  }
  const max = maxLifetimeSeconds(env.IDENTITY_MAX_LIFETIME_DAYS);
  if ((payload.exp as number) - (payload.iat ?? nowS) > max) {
    throw new Problem(
      401,
      "unauthorized",
      `The identity token lives too long: \`exp\` may be at most ${max / 86_400} days after \`iat\` (or after now without \`iat\`)`,
    );
  }
  const claims = claimsSchema.safeParse(payload);
  const externalId = claims.success ? (claims.data.id ?? claims.data.sub) : undefined;
  if (!claims.success || !externalId) {
    throw new Problem(401, "unauthorized", "The identity token must name the user (`id` or `sub`)");
  }
  return {
    externalId,
    email: claims.data.email ?? null,
    name: claims.data.name ?? null,
    expiresAt: (payload.exp as number) * 1000,
  };
}

/** The token from `Authorization: Bearer …` or the identity cookie. */
export function identityTokenOf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  return m?.[1] ?? getCookie(c, IDENTITY_COOKIE);
}

/**
 * Visitors this isolate verified and upserted lately, by token: a visitor's next requests cost neither
 * the signature check nor a write to D1. An entry lives until the token expires, at most VISITOR_TTL_MS
 * (so `lastSeenAt` and a changed secret or lifetime catch up within it), and only under the same
 * secret and lifetime setting it was verified with.
 */
const visitors = new Map<string, { visitor: Visitor; until: number; config: string }>();
const VISITOR_TTL_MS = 60_000;
const MAX_VISITORS = 1000;

/**
 * The contact an identity token names: verified, upserted as a contact, then kept (see `visitors`).
 * A token that is not valid is a 401 `Problem`.
 */
export async function visitorOf(env: Env, token: string, now = Date.now()): Promise<Visitor> {
  const config = `${env.IDENTITY_SECRET}\u0000${env.IDENTITY_MAX_LIFETIME_DAYS}`;
  const hit = visitors.get(token);
  if (hit && hit.until > now && hit.config === config) return hit.visitor;
  const person = await verifyIdentityToken(token, env, now);
  const contact = await upsertContact(getDb(env.DB), person, now);
  const visitor = { contactId: contact.id, externalId: contact.externalId, email: contact.email, name: contact.name };
  visitors.delete(token);
  if (visitors.size >= MAX_VISITORS) visitors.delete(visitors.keys().next().value as string);
  visitors.set(token, { visitor, until: Math.min(person.expiresAt, now + VISITOR_TTL_MS), config });
  return visitor;
}

/** Requires an identified visitor; sets `visitor`. */
export function requireVisitor(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = identityTokenOf(c);
    if (!token) throw new Problem(401, "unauthorized", "Sign in through the host app: an identity token is required");
    c.set("visitor", await visitorOf(c.env, token));
    await next();
  };
}

/** Sets `visitor` when a valid token is present; anonymous otherwise. A bad token is still a 401. */
export function optionalVisitor(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = identityTokenOf(c);
    if (token) c.set("visitor", await visitorOf(c.env, token));
    await next();
  };
}
