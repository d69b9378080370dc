// Subscribers of a page: email (with double opt-in) or signed webhooks.
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { contacts, statusSubscribers } from "../../../db/schema/index.ts";
import { activityStatements } from "../../emails/index.ts";
import type { Db, Statement } from "../../lib/db.ts";
import type { Subscriber } from "../types.ts";

export async function getSubscriber(db: Db, id: string): Promise<Subscriber | undefined> {
  return db.query.statusSubscribers.findFirst({ where: eq(statusSubscribers.id, id) });
}

export async function contactByEmail(db: Db, email: string) {
  return db.query.contacts.findFirst({ where: eq(contacts.email, email) });
}

export async function subscriberOfContact(db: Db, pageId: string, contactId: string) {
  return db.query.statusSubscribers.findFirst({
    where: and(eq(statusSubscribers.pageId, pageId), eq(statusSubscribers.contactId, contactId)),
  });
}

export const subscriberInsert = (db: Db, row: typeof statusSubscribers.$inferInsert): Statement =>
  db.insert(statusSubscribers).values(row);

export const subscriberUpdate = (db: Db, id: string, set: Partial<Subscriber>): Statement =>
  db.update(statusSubscribers).set(set).where(eq(statusSubscribers.id, id));

/**
 * Stores a webhook subscription, replacing the page's others for its URL: only the pending ones
 * while it is pending itself, every one once its endpoint has answered the challenge.
 */
export async function replaceWebhookSubscriber(db: Db, row: typeof statusSubscribers.$inferInsert & { url: string }) {
  await db.batch([
    db
      .delete(statusSubscribers)
      .where(
        and(
          eq(statusSubscribers.pageId, row.pageId),
          eq(statusSubscribers.kind, "webhook"),
          eq(statusSubscribers.url, row.url),
          row.confirmedAt ? undefined : isNull(statusSubscribers.confirmedAt),
        ),
      ),
    db.insert(statusSubscribers).values(row),
  ]);
}

/** Confirms an email subscription, and records the confirmation on the contact graph once. */
export async function confirmSubscriber(db: Db, sub: Subscriber, now: number) {
  const confirmed = activityStatements(
    db,
    sub.contactId
      ? [
          {
            contactId: sub.contactId,
            event: "status_confirmed",
            key: `status_confirmed:${sub.id}`,
            at: now,
            properties: { pageId: sub.pageId },
          },
        ]
      : [],
    now,
  );
  const [rows] = await db.batch([
    db
      .update(statusSubscribers)
      .set({ confirmedAt: now, unsubscribedAt: null })
      .where(and(eq(statusSubscribers.id, sub.id), isNull(statusSubscribers.confirmedAt)))
      .returning(),
    ...confirmed,
  ]);
  return rows[0] ?? (await getSubscriber(db, sub.id));
}

export async function unsubscribe(db: Db, id: string, now: number) {
  await db
    .update(statusSubscribers)
    .set({ unsubscribedAt: now })
    .where(and(eq(statusSubscribers.id, id), isNull(statusSubscribers.unsubscribedAt)));
}

/** A page's subscribers, newest first (ids sort by creation), after the cursor's. */
export async function listSubscribers(db: Db, pageId: string, limit: number, cursor?: string) {
  return db
    .select({ s: statusSubscribers, email: contacts.email })
    .from(statusSubscribers)
    .leftJoin(contacts, eq(contacts.id, statusSubscribers.contactId))
    .where(and(eq(statusSubscribers.pageId, pageId), cursor ? lt(statusSubscribers.id, cursor) : undefined))
    .orderBy(desc(statusSubscribers.id))
    .limit(limit);
}

/** Deletes a subscriber; false when there was none. */
export async function deleteSubscriber(db: Db, id: string): Promise<boolean> {
  const [row] = await db
    .delete(statusSubscribers)
    .where(eq(statusSubscribers.id, id))
    .returning({ id: statusSubscribers.id });
  return Boolean(row);
}
