// Subscribers (email with double opt-in, or signed webhooks) and the notices they receive.
import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { contacts, statusNotices, statusNotifications, statusPages, statusSubscribers } from "../../db/schema/index.ts";
import { emailStatements, kickEmails, type OutgoingEmail } from "../emails/index.ts";
import { upsertContact } from "../lib/contacts.ts";
import { hmacSha256, timingSafeEqual, toBase64 } from "../lib/crypto.ts";
import { chunk, type Db, rowsPerInsert, runBatch, type Statement } from "../lib/db.ts";
import { newId, randomString } from "../lib/ids.ts";
import { readStart } from "../lib/outbound.ts";
import { badRequest } from "../lib/problem.ts";
import { enqueue } from "../lib/queue.ts";
import { outboundUrlProblem } from "../lib/urls.ts";
import { MAX_DELIVERY_ATTEMPTS, newWebhookSecret, postWebhook, sendSignedWebhook } from "../lib/webhooks.ts";
import { xml as escapeText } from "./feeds.ts";
import { componentsOnPage, type Page } from "./store/pages.ts";

export type Subscriber = typeof statusSubscribers.$inferSelect;
export type SubscribeInput = {
  email?: string;
  url?: string;
  secret?: string;
  componentIds?: string[];
  groupIds?: string[];
};
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

async function checkScope(db: Db, page: Page, input: SubscribeInput) {
  await componentsOnPage(db, page.id, input.componentIds ?? [], "body.componentIds");
  const groupIds = [...new Set(input.groupIds ?? [])];
  if (groupIds.length) {
    const rows = await db.all<{ id: string }>(
      sql`SELECT id FROM status_groups WHERE page_id = ${page.id} AND id IN (SELECT value FROM json_each(${JSON.stringify(groupIds)}))`,
    );
    if (rows.length !== groupIds.length) {
      throw badRequest("Some groups are not on this page", [{ path: "body.groupIds", message: "unknown group" }]);
    }
  }
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
  await db.batch([
    db
      .delete(statusSubscribers)
      .where(
        and(
          eq(statusSubscribers.pageId, page.id),
          eq(statusSubscribers.kind, "webhook"),
          eq(statusSubscribers.url, input.url),
          pending ? isNull(statusSubscribers.confirmedAt) : undefined,
        ),
      ),
    db.insert(statusSubscribers).values(row),
  ]);
  return { subscriber: row, secret: row.secret, active: !pending, pending };
}

/**
 * Subscribes an email (pending until its confirmation link is used) or a webhook (pending until
 * its endpoint echoes the challenge; the signing secret is returned once). Subscribing an email
 * again updates the choice and, when not yet confirmed or unsubscribed, sends a new confirmation.
 * Answers the same whether or not the address was known.
 */
export async function subscribe(env: Env, db: Db, page: Page, input: SubscribeInput, now: number) {
  await checkScope(db, page, input);
  const scope = { componentIds: [...new Set(input.componentIds ?? [])], groupIds: [...new Set(input.groupIds ?? [])] };
  if (input.url) return subscribeWebhook(env, db, page, { ...input, url: input.url }, scope, now);
  const email = (input.email ?? "").toLowerCase();
  const known = await db.query.contacts.findFirst({ where: eq(contacts.email, email) });
  const contact = known ?? (await upsertContact(db, { externalId: `email:${email}`, email }, now));
  const existing = await db.query.statusSubscribers.findFirst({
    where: and(eq(statusSubscribers.pageId, page.id), eq(statusSubscribers.contactId, contact.id)),
  });
  const id = existing?.id ?? newId("sub", now);
  const active = existing?.confirmedAt && !existing.unsubscribedAt;
  const writes: Statement[] = [
    existing
      ? db
          .update(statusSubscribers)
          .set({ ...scope, ...(active ? {} : { confirmedAt: null, unsubscribedAt: null }) })
          .where(eq(statusSubscribers.id, id))
      : db
          .insert(statusSubscribers)
          .values({ id, pageId: page.id, kind: "email", contactId: contact.id, ...scope, createdAt: now }),
  ];
  let notificationId: string | null = null;
  if (!active) {
    notificationId = newId("snf", now);
    writes.push(
      db
        .insert(statusNotifications)
        .values({ id: notificationId, subscriberId: id, noticeId: `confirm:${now}`, createdAt: now, updatedAt: now }),
    );
  }
  await runBatch(db, writes);
  if (notificationId) await enqueue(env, { kind: "status.notify.deliver", ids: [notificationId] });
  return { subscriber: { id, pageId: page.id, kind: "email" as const }, secret: null, active: false, pending: null };
}

export async function confirmSubscriber(db: Db, id: string, now: number) {
  const [row] = await db
    .update(statusSubscribers)
    .set({ confirmedAt: now, unsubscribedAt: null })
    .where(and(eq(statusSubscribers.id, id), isNull(statusSubscribers.confirmedAt)))
    .returning();
  return row ?? (await db.query.statusSubscribers.findFirst({ where: eq(statusSubscribers.id, id) }));
}

export async function unsubscribe(db: Db, id: string, now: number) {
  await db
    .update(statusSubscribers)
    .set({ unsubscribedAt: now })
    .where(and(eq(statusSubscribers.id, id), isNull(statusSubscribers.unsubscribedAt)));
}

export async function listSubscribers(db: Db, pageId: string, limit: number, cursor?: string) {
  return db
    .select({ s: statusSubscribers, email: contacts.email })
    .from(statusSubscribers)
    .leftJoin(contacts, eq(contacts.id, statusSubscribers.contactId))
    .where(and(eq(statusSubscribers.pageId, pageId), cursor ? gt(statusSubscribers.id, cursor) : undefined))
    .orderBy(asc(statusSubscribers.id))
    .limit(limit);
}

/**
 * Subscribers a notice reaches: confirmed, still subscribed, and either whole-page or naming one
 * of its components or their groups (so a group covers components added to it later).
 */
async function audience(db: Db, notice: typeof statusNotices.$inferSelect, after: string, limit: number) {
  const ids = JSON.stringify(notice.componentIds);
  return db.all<{ id: string }>(sql`
    SELECT s.id FROM status_subscribers s
    WHERE s.page_id = ${notice.pageId} AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL AND s.id > ${after}
      AND (
        (json_array_length(s.component_ids) = 0 AND json_array_length(s.group_ids) = 0)
        OR EXISTS (SELECT 1 FROM json_each(s.component_ids) j WHERE j.value IN (SELECT value FROM json_each(${ids})))
        OR EXISTS (SELECT 1 FROM json_each(s.group_ids) g WHERE g.value IN (
          SELECT group_id FROM status_components WHERE id IN (SELECT value FROM json_each(${ids}))))
      )
    ORDER BY s.id LIMIT ${limit}`);
}

/** Turns waiting notices into one notification per reached subscriber. Idempotent; returns what to deliver. */
export async function fanOutNotices(db: Db, now: number): Promise<string[]> {
  const notices = await db
    .select()
    .from(statusNotices)
    .where(isNull(statusNotices.fannedOutAt))
    .orderBy(asc(statusNotices.createdAt))
    .limit(20);
  const out: string[] = [];
  for (const notice of notices) {
    const rows: Array<typeof statusNotifications.$inferInsert> = [];
    for (let after = ""; ; ) {
      const page = await audience(db, notice, after, 500);
      rows.push(
        ...page.map((s) => ({
          id: newId("snf", now),
          subscriberId: s.id,
          noticeId: notice.id,
          createdAt: now,
          updatedAt: now,
        })),
      );
      if (page.length < 500) break;
      after = page[page.length - 1].id;
    }
    const writes: Statement[] = [
      ...chunk(rows, rowsPerInsert(5)).map((part) => db.insert(statusNotifications).values(part).onConflictDoNothing()),
      db.update(statusNotices).set({ fannedOutAt: now }).where(eq(statusNotices.id, notice.id)),
    ];
    await runBatch(db, writes);
    const pending = await db
      .select({ id: statusNotifications.id })
      .from(statusNotifications)
      .where(and(eq(statusNotifications.noticeId, notice.id), eq(statusNotifications.state, "pending")));
    out.push(...pending.map((p) => p.id));
  }
  return out;
}

/** Cron backstop: notices the queue never fanned out, and notifications left pending. */
export async function staleNotifyWork(db: Db, now: number) {
  const [waiting] = await db
    .select({ n: sql<number>`count(*)` })
    .from(statusNotices)
    .where(isNull(statusNotices.fannedOutAt));
  const stale = await db
    .select({ id: statusNotifications.id })
    .from(statusNotifications)
    .where(and(eq(statusNotifications.state, "pending"), sql`${statusNotifications.updatedAt} < ${now - 15 * 60_000}`))
    .limit(100);
  return [
    ...(waiting.n > 0 ? [{ kind: "status.notify.fanout" as const }] : []),
    ...chunk(
      stale.map((s) => s.id),
      20,
    ).map((ids) => ({ kind: "status.notify.deliver" as const, ids })),
  ];
}

/** The email for a notice: every piece of incident text is escaped in the HTML part. */
export function emailFor(page: Page, base: string, subject: string, text: string, unsubscribeUrl: string) {
  const html = `<p>${escapeText(text).replaceAll("\n", "<br>")}</p><p><a href="${escapeText(`${base}/status/${page.slug}`)}">${escapeText(page.name)} status</a></p><p style="color:#666;font-size:12px"><a href="${escapeText(unsubscribeUrl)}">Unsubscribe</a></p>`;
  return { subject, html, text: `${text}\n\n${base}/status/${page.slug}\n\nUnsubscribe: ${unsubscribeUrl}` };
}

export type DeliverOutcome = "sent" | "retry" | "failed" | "skipped";

/**
 * Delivers one notification. Email goes through the emails capability (`emailStatements`, in the
 * same batch that marks it sent; its idempotency key is the notification id). Webhooks are
 * signed with Standard Webhooks and retried with backoff by the queue.
 */
export async function deliverNotification(env: Env, db: Db, id: string, now: number): Promise<DeliverOutcome> {
  const [row] = await db
    .select({ n: statusNotifications, s: statusSubscribers, p: statusPages, email: contacts.email })
    .from(statusNotifications)
    .innerJoin(statusSubscribers, eq(statusSubscribers.id, statusNotifications.subscriberId))
    .innerJoin(statusPages, eq(statusPages.id, statusSubscribers.pageId))
    .leftJoin(contacts, eq(contacts.id, statusSubscribers.contactId))
    .where(eq(statusNotifications.id, id));
  if (row?.n.state !== "pending" || row.s.unsubscribedAt) return "skipped";
  const base = env.PUBLIC_URL.replace(/\/$/, "");
  const confirm = row.n.noticeId.startsWith("confirm:");
  const notice = confirm
    ? null
    : await db.query.statusNotices.findFirst({ where: eq(statusNotices.id, row.n.noticeId) });
  if (!confirm && !notice) return "skipped";
  const markSent = db
    .update(statusNotifications)
    .set({ state: "sent", attempts: sql`${statusNotifications.attempts} + 1`, updatedAt: now })
    .where(and(eq(statusNotifications.id, id), eq(statusNotifications.state, "pending")));

  if (row.s.kind === "email") {
    if (!row.email) return "skipped";
    const unsub = `${base}/status/${row.p.slug}/unsubscribe/${await subscriberToken(env.SIGNING_SECRET, "unsubscribe", row.s.id)}`;
    const content = confirm
      ? emailFor(
          row.p,
          base,
          `Confirm your subscription to ${row.p.name} status`,
          `Confirm that you want updates about ${row.p.name}: ${base}/status/${row.p.slug}/confirm/${await subscriberToken(env.SIGNING_SECRET, "confirm", row.s.id)}\n\nIf you did not ask for this, ignore this email.`,
          unsub,
        )
      : emailFor(row.p, base, `[${row.p.name}] ${notice?.subject}`, notice?.text ?? "", unsub);
    const email: OutgoingEmail = {
      to: row.email,
      contactId: row.s.contactId ?? undefined,
      ...content,
      topic: confirm ? "transactional" : "status_notifications",
      idempotencyKey: `status:${id}`,
    };
    const queued: Statement[] = emailStatements(db, [email]);
    if (!queued.length) {
      // No email capability to take it yet: keep it pending; the cron backstop offers it again.
      await db
        .update(statusNotifications)
        .set({ lastError: "waiting for the emails capability", updatedAt: now })
        .where(eq(statusNotifications.id, id));
      return "skipped";
    }
    const writes: Statement[] = [...queued, markSent];
    await runBatch(db, writes);
    await kickEmails(env);
    return "sent";
  }

  const body = JSON.stringify({
    type: notice?.type,
    timestamp: new Date(notice?.createdAt ?? now).toISOString(),
    data: {
      page: { id: row.p.id, slug: row.p.slug, name: row.p.name },
      subject: notice?.subject,
      text: notice?.text,
      ...(notice?.payload as object),
    },
  });
  // The URL is checked again as it is sent; a refused one fails at once.
  const { status, error, refused } =
    row.s.url && row.s.secret && row.s.confirmedAt
      ? await postWebhook(
          env,
          { url: row.s.url, secret: row.s.secret },
          { id, body, userAgent: "Rapport-Status/1" },
          now,
        )
      : { status: null, error: "refused: the subscription is not confirmed", refused: true };
  if (status !== null && status >= 200 && status < 300) {
    await markSent;
    return "sent";
  }
  const attempts = row.n.attempts + 1;
  const failed = refused || attempts >= MAX_DELIVERY_ATTEMPTS;
  await db
    .update(statusNotifications)
    .set({ attempts, state: failed ? "failed" : "pending", lastError: error ?? `HTTP ${status}`, updatedAt: now })
    .where(eq(statusNotifications.id, id));
  return failed ? "failed" : "retry";
}

export async function notificationAttempts(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, number>();
  const rows = await db
    .select({ id: statusNotifications.id, attempts: statusNotifications.attempts })
    .from(statusNotifications)
    .where(inArray(statusNotifications.id, ids));
  return new Map(rows.map((r) => [r.id, r.attempts]));
}
