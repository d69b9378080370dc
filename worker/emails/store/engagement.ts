// What contacts do with messages: unsubscribe, opens, clicks; and engagement over a time range.
import { eq, sql } from "drizzle-orm";
import { CONSENT_TOPICS, type ConsentTopic, emailLinks, emailMessages } from "../../../db/schema/index.ts";
import { type Db, execBatch } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { emit } from "../../lib/webhooks.ts";
import { addressHash } from "../signing.ts";
import { engagementQuery, engagementRollupStatement } from "./rollups.ts";

export async function messageForLink(db: Db, id: string) {
  return db.query.emailMessages.findFirst({
    where: eq(emailMessages.id, id),
    columns: { id: true, contactId: true, topic: true, toAddress: true, unsubscribedAt: true },
  });
}

const PROFILE_COLUMN: Record<ConsentTopic, string> = {
  marketing: "consent_marketing",
  product_updates: "consent_product_updates",
  status_notifications: "consent_status_notifications",
};

/**
 * The unsubscribe of one message, in one batch: the contact leaves the message's topic (or
 * everything, for mail without a topic one can leave); without a contact, the address is
 * suppressed. Announced as the `email.unsubscribed` webhook.
 */
export async function unsubscribeMessage(db: Db, messageId: string, now = Date.now()) {
  const m = await messageForLink(db, messageId);
  if (!m) return null;
  const topic = CONSENT_TOPICS.includes(m.topic as ConsentTopic) ? (m.topic as ConsentTopic) : null;
  const writes = [
    engagementRollupStatement(m.id, "unsubscribed"),
    sql`update email_messages set unsubscribed_at = coalesce(unsubscribed_at, ${now}) where id = ${m.id}`,
  ];
  if (m.contactId) {
    writes.push(
      topic
        ? sql`insert into email_profiles (contact_id, ${sql.raw(PROFILE_COLUMN[topic])}, updated_at)
            values (${m.contactId}, 0, ${now})
            on conflict (contact_id) do update set ${sql.raw(PROFILE_COLUMN[topic])} = 0, updated_at = ${now}`
        : sql`insert into email_profiles (contact_id, unsubscribed_at, updated_at) values (${m.contactId}, ${now}, ${now})
            on conflict (contact_id) do update set unsubscribed_at = coalesce(email_profiles.unsubscribed_at, ${now}), updated_at = ${now}`,
    );
  } else if (m.toAddress) {
    writes.push(
      sql`insert into email_suppressions (email_hash, reason, created_at)
        values (${await addressHash(m.toAddress)}, 'unsubscribed', ${now}) on conflict do nothing`,
    );
  }
  await execBatch(db, [
    ...writes,
    emit(db, "email.unsubscribed", { messageId: m.id, contactId: m.contactId, topic: topic ?? "all" }, now),
  ]);
  return { ...m, topic: topic ?? "all" };
}

export async function recordOpen(db: Db, messageId: string, now = Date.now()) {
  await execBatch(db, [
    engagementRollupStatement(messageId, "opened"),
    db
      .update(emailMessages)
      .set({ openedAt: sql`coalesce(${emailMessages.openedAt}, ${now})`, opens: sql`${emailMessages.opens} + 1` })
      .where(eq(emailMessages.id, messageId)),
  ]);
}

/** The stored destination of a tracked link, or null. */
export async function linkTarget(db: Db, linkId: string) {
  return db.query.emailLinks.findFirst({ where: eq(emailLinks.id, linkId) });
}

/** A click is also an open (images are often blocked). */
export async function recordClick(db: Db, messageId: string, now = Date.now()) {
  await execBatch(db, [
    engagementRollupStatement(messageId, "clicked"),
    db
      .update(emailMessages)
      .set({
        clickedAt: sql`coalesce(${emailMessages.clickedAt}, ${now})`,
        openedAt: sql`coalesce(${emailMessages.openedAt}, ${now})`,
        clicks: sql`${emailMessages.clicks} + 1`,
      })
      .where(eq(emailMessages.id, messageId)),
  ]);
}

/** Sent, opened, clicked and unsubscribed of messages sent on the days of `range` (from the daily rollup). */
export async function engagement(db: Db, range: Range) {
  const r = await engagementQuery(db, range);
  return {
    ...r,
    openRate: r.sent ? r.opened / r.sent : null,
    clickRate: r.sent ? r.clicked / r.sent : null,
  };
}
