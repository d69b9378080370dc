// Subscribing to a page: email with double opt-in, or a webhook whose endpoint answers a challenge.
import { activityStatements } from "../emails/index.ts";
import { upsertContact } from "../lib/contacts.ts";
import { hmacSha256, timingSafeEqual, toBase64 } from "../lib/crypto.ts";
import { type Db, runBatch, type Statement } from "../lib/db.ts";
import { newId, randomString } from "../lib/ids.ts";
import { readStart } from "../lib/outbound.ts";
import { badRequest } from "../lib/problem.ts";
import { enqueue } from "../lib/queue.ts";
import { outboundUrlProblem } from "../lib/urls.ts";
import { newWebhookSecret, sendSignedWebhook } from "../lib/webhooks.ts";
import type { SubscribeInput } from "./schemas.ts";
import { componentsOnPage, groupsOnPageOrThrow } from "./store/components.ts";
import { confirmationStatement } from "./store/notifications.ts";
import {
  contactByEmail,
  replaceWebhookSubscriber,
  subscriberInsert,
  subscriberOfContact,
  subscriberUpdate,
} from "./store/subscribers.ts";
import type { Page } from "./types.ts";

type Scope = { componentIds: string[]; groupIds: string[] };

/** A link token naming a subscriber, signed so it cannot be guessed: `<id>.<hmac>`. */
export async function subscriberToken(secret: string, purpose: "confirm" | "unsubscribe", id: string) {
  const mac = toBase64(await hmacSha256(secret, `status-${purpose}:${id}`))
    .replace(/[+/=]/g, "")
    .slice(0, 32);
  return `${id}.${mac}`;
}

export async function verifyToken(secret: string, purpose: "confirm" | "unsubscribe", token: string) {
  const id = token.split(".")[0] ?? "";
  return timingSafeEqual(token, await subscriberToken(secret, purpose, id)) ? id : null;
}

/** The components and groups a subscriber chose (none: the whole page); a 400 when one is not on the page. */
async function scopeOrThrow(db: Db, page: Page, input: SubscribeInput): Promise<Scope> {
  await componentsOnPage(db, page.id, input.componentIds ?? [], "body.componentIds");
  const scope = { componentIds: [...new Set(input.componentIds ?? [])], groupIds: [...new Set(input.groupIds ?? [])] };
  await groupsOnPageOrThrow(db, page.id, scope.groupIds);
  return scope;
}

/** How long the subscription challenge may take: the visitor waits for it. */
export const CHALLENGE_TIMEOUT_MS = 5000;
const CHALLENGE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** True when an endpoint's answer echoes the challenge: as the whole body, or as JSON `{"challenge": …}`. */
export function echoesChallenge(answer: string, challenge: string): boolean {
  if (answer.trim() === challenge) return true;
  try {
    return (JSON.parse(answer) as { challenge?: unknown } | null)?.challenge === challenge;
  } catch {
    return false;
  }
}

/**
 * Asks a webhook endpoint whether it wants this subscription: a signed `subscription.challenge`
 * POST whose 2xx answer must echo the challenge. Returns null when it did, else why not.
 */
async function challengeEndpoint(env: Env, page: Page, sub: { id: string; url: string; secret: string }, now: number) {
  const challenge = randomString(32, CHALLENGE_ALPHABET);
  const body = JSON.stringify({
    type: "subscription.challenge",
    timestamp: new Date(now).toISOString(),
    challenge,
    data: { subscriberId: sub.id, page: { id: page.id, slug: page.slug, name: page.name } },
  });
  const msg = { id: newId("msg", now), body, userAgent: "Rapport-Status/1", timeoutMs: CHALLENGE_TIMEOUT_MS };
  try {
    const res = await sendSignedWebhook(env, sub, msg, now);
    const answer = await readStart(res, 1024);
    if (res.status < 200 || res.status > 299) return `the endpoint answered the challenge with HTTP ${res.status}`;
    return echoesChallenge(answer, challenge) ? null : "the endpoint's answer did not echo the challenge";
  } catch (e) {
    if (e instanceof Error && e.name === "TimeoutError") {
      return `the endpoint did not answer the challenge within ${CHALLENGE_TIMEOUT_MS / 1000} s`;
    }
    return `the challenge could not be delivered: ${(e instanceof Error ? e.message : "request failed").slice(0, 200)}`;
  }
}

/**
 * A webhook subscription is active only once its endpoint has echoed the challenge; until then it
 * is stored pending and receives nothing. One subscription per URL per page: a new one replaces
 * the pending ones for that URL at once, and the active one only when its own challenge passes.
 */
async function subscribeWebhook(
  env: Env,
  db: Db,
  page: Page,
  input: SubscribeInput & { url: string },
  scope: Scope,
  now: number,
) {
  const why = outboundUrlProblem(input.url, env);
  if (why) throw badRequest("The webhook URL is not allowed", [{ path: "body.url", message: why }]);
  const row = {
    id: newId("sub", now),
    pageId: page.id,
    kind: "webhook" as const,
    url: input.url,
    secret: input.secret ?? newWebhookSecret(),
    ...scope,
    confirmedAt: null as number | null,
    createdAt: now,
  };
  const pending = await challengeEndpoint(env, page, row, now);
  if (!pending) row.confirmedAt = now;
  await replaceWebhookSubscriber(db, row);
  return { subscriber: row, secret: row.secret, active: !pending, pending };
}

/**
 * Subscribes an email (pending until its confirmation link is used) or a webhook (pending until
 * its endpoint echoes the challenge; the signing secret is returned once). Subscribing an email
 * again updates the choice and, when not yet confirmed or unsubscribed, sends a new confirmation.
 * Answers the same whether or not the address was known.
 */
export async function subscribe(env: Env, db: Db, page: Page, input: SubscribeInput, now: number) {
  const scope = await scopeOrThrow(db, page, input);
  if (input.url) return subscribeWebhook(env, db, page, { ...input, url: input.url }, scope, now);
  const email = (input.email ?? "").toLowerCase();
  const known = await contactByEmail(db, email);
  const contact = known ?? (await upsertContact(db, { externalId: `email:${email}`, email }, now));
  const existing = await subscriberOfContact(db, page.id, contact.id);
  const id = existing?.id ?? newId("sub", now);
  const active = existing?.confirmedAt && !existing.unsubscribedAt;
  const writes: Statement[] = [
    existing
      ? subscriberUpdate(db, id, { ...scope, ...(active ? {} : { confirmedAt: null, unsubscribedAt: null }) })
      : subscriberInsert(db, { id, pageId: page.id, kind: "email", contactId: contact.id, ...scope, createdAt: now }),
  ];
  // On the contact graph once per subscription, whether or not the address was known before.
  writes.push(
    ...activityStatements(
      db,
      [
        {
          contactId: contact.id,
          event: "status_subscribed",
          key: `status_subscribed:${id}`,
          at: now,
          properties: { pageId: page.id },
        },
      ],
      now,
    ),
  );
  const notificationId = active ? null : newId("snf", now);
  if (notificationId) writes.push(confirmationStatement(db, notificationId, id, now));
  await runBatch(db, writes);
  if (notificationId) await enqueue(env, { kind: "status.notify.deliver", ids: [notificationId] });
  return { subscriber: { id, pageId: page.id, kind: "email" as const }, secret: null, active: false, pending: null };
}
