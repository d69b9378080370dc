// Notices (what a change tells subscribers) and notifications (one per subscriber per notice).
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import {
  contacts,
  statusNotices,
  statusNotifications,
  statusPages,
  statusSubscribers,
} from "../../../db/schema/index.ts";
import { chunk, type Db, inJson, rowsPerInsert, runBatch, type Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { Notice } from "../types.ts";

/** Records what subscribers will be told, in the batch of the change itself. */
export function noticeStatement(db: Db, notice: Notice, now: number): Statement {
  return db.insert(statusNotices).values({ id: newId("stn", now), ...notice, createdAt: now });
}

/** The notification carrying a subscriber's double opt-in email (its notice id is `confirm:<time>`). */
export function confirmationStatement(db: Db, id: string, subscriberId: string, now: number): Statement {
  return db
    .insert(statusNotifications)
    .values({ id, subscriberId, noticeId: `confirm:${now}`, createdAt: now, updatedAt: now });
}

/**
 * Subscribers a notice reaches: confirmed, still subscribed, and either whole-page or naming one
 * of its components or their groups (so a group covers components added to it later).
 */
const reaches = (pageId: string, componentIds: string[]) => {
  const ids = JSON.stringify(componentIds);
  return sql`s.page_id = ${pageId} AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
      AND (
        (json_array_length(s.component_ids) = 0 AND json_array_length(s.group_ids) = 0)
        OR EXISTS (SELECT 1 FROM json_each(s.component_ids) j WHERE j.value IN (SELECT value FROM json_each(${ids})))
        OR EXISTS (SELECT 1 FROM json_each(s.group_ids) g WHERE g.value IN (
          SELECT group_id FROM status_components WHERE id IN (SELECT value FROM json_each(${ids}))))
      )`;
};

async function audience(db: Db, notice: typeof statusNotices.$inferSelect, after: string, limit: number) {
  return db.all<{ id: string }>(sql`
    SELECT s.id FROM status_subscribers s
    WHERE ${reaches(notice.pageId, notice.componentIds)} AND s.id > ${after}
    ORDER BY s.id LIMIT ${limit}`);
}

/** How many subscribers, by kind, a notice about `componentIds` on the page would reach now. */
export async function countAudience(db: Db, pageId: string, componentIds: string[]) {
  const rows = await db.all<{ kind: "email" | "webhook"; n: number }>(sql`
    SELECT s.kind AS kind, count(*) AS n FROM status_subscribers s
    WHERE ${reaches(pageId, componentIds)} GROUP BY s.kind`);
  const of = (kind: string) => rows.find((r) => r.kind === kind)?.n ?? 0;
  return { email: of("email"), webhook: of("webhook"), total: of("email") + of("webhook") };
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

/** A notification with its subscriber, page and the subscriber's email (none for a webhook). */
export async function getNotification(db: Db, id: string) {
  const [row] = await db
    .select({ n: statusNotifications, s: statusSubscribers, p: statusPages, email: contacts.email })
    .from(statusNotifications)
    .innerJoin(statusSubscribers, eq(statusSubscribers.id, statusNotifications.subscriberId))
    .innerJoin(statusPages, eq(statusPages.id, statusSubscribers.pageId))
    .leftJoin(contacts, eq(contacts.id, statusSubscribers.contactId))
    .where(eq(statusNotifications.id, id));
  return row;
}

export async function getNotice(db: Db, id: string) {
  return db.query.statusNotices.findFirst({ where: eq(statusNotices.id, id) });
}

/** Marks a pending notification sent (a second delivery finds it sent and changes nothing). */
export function sentStatement(db: Db, id: string, now: number): Statement {
  return db
    .update(statusNotifications)
    .set({ state: "sent", attempts: sql`${statusNotifications.attempts} + 1`, updatedAt: now })
    .where(and(eq(statusNotifications.id, id), eq(statusNotifications.state, "pending")));
}

export async function markSent(db: Db, id: string, now: number): Promise<void> {
  await sentStatement(db, id, now);
}

/** Records a delivery attempt that did not succeed: still pending, or failed for good. */
export async function noteAttempt(
  db: Db,
  id: string,
  set: { attempts?: number; state?: "pending" | "failed"; lastError: string },
  now: number,
): Promise<void> {
  await db
    .update(statusNotifications)
    .set({ ...set, updatedAt: now })
    .where(eq(statusNotifications.id, id));
}

export async function notificationAttempts(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, number>();
  const rows = await db
    .select({ id: statusNotifications.id, attempts: statusNotifications.attempts })
    .from(statusNotifications)
    .where(inJson(statusNotifications.id, ids));
  return new Map(rows.map((r) => [r.id, r.attempts]));
}
