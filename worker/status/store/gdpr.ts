// GDPR, status' part: the contact's email subscriptions to status pages and what they were sent;
// an erase deletes both (a subscription is only the person's wish to hear).
import { asc, eq, sql } from "drizzle-orm";
import { statusNotifications, statusPages, statusSubscribers } from "../../../db/schema/index.ts";
import { type Db, inJson } from "../../lib/db.ts";
import type { Erasure } from "../../lib/gdpr.ts";

/** Status' section of a contact's export. */
export async function exportStatusData(db: Db, contactId: string) {
  const subscriptions = await db
    .select({
      id: statusSubscribers.id,
      page: statusPages.slug,
      pageName: statusPages.name,
      componentIds: statusSubscribers.componentIds,
      groupIds: statusSubscribers.groupIds,
      confirmedAt: statusSubscribers.confirmedAt,
      unsubscribedAt: statusSubscribers.unsubscribedAt,
      createdAt: statusSubscribers.createdAt,
    })
    .from(statusSubscribers)
    .innerJoin(statusPages, eq(statusPages.id, statusSubscribers.pageId))
    .where(eq(statusSubscribers.contactId, contactId))
    .orderBy(asc(statusSubscribers.createdAt));
  const notifications = subscriptions.length
    ? await db
        .select({
          subscriberId: statusNotifications.subscriberId,
          noticeId: statusNotifications.noticeId,
          state: statusNotifications.state,
          createdAt: statusNotifications.createdAt,
        })
        .from(statusNotifications)
        .where(
          inJson(
            statusNotifications.subscriberId,
            subscriptions.map((s) => s.id),
          ),
        )
        .orderBy(asc(statusNotifications.createdAt))
    : [];
  return { subscriptions, notifications };
}

/** Status' part of an erase: the person's subscriptions and their notifications are deleted. */
export async function eraseStatusStatements(_db: Db, contactId: string): Promise<Erasure> {
  const theirs = sql`select id from status_subscribers where contact_id = ${contactId}`;
  return {
    keepsRows: false,
    steps: [
      { count: "notifications", statement: sql`delete from status_notifications where subscriber_id in (${theirs})` },
      { count: "subscriptionsDeleted", statement: sql`delete from status_subscribers where contact_id = ${contactId}` },
    ],
    needles: [],
  };
}
