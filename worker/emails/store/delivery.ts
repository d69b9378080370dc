// Delivery's reads and state changes of one outbox message: load it with what the checks need,
// end or defer it, claim it (once, under the weekly cap) and record how the send went.
import { and, eq, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import {
  contactEventStats,
  contacts,
  emailBodies,
  emailLinks,
  emailMessages,
  emailProfiles,
  emailTemplates,
  emailTriggers,
} from "../../../db/schema/index.ts";
import { type Db, execBatch, insertChunks } from "../../lib/db.ts";
import { DAY } from "../churn.ts";
import { WEEK } from "../policy.ts";
import { pausedColumn } from "./pause.ts";
import { sentRollupStatement, utcDay } from "./rollups.ts";

/** The message with its contact, profile, trigger and template. */
export async function loadMessage(db: Db, id: string) {
  const [row] = await db
    .select({
      m: emailMessages,
      body: emailBodies,
      contact: contacts,
      profile: emailProfiles,
      trigger: emailTriggers,
      template: emailTemplates,
      marketingPaused: pausedColumn,
    })
    .from(emailMessages)
    .leftJoin(emailBodies, eq(emailBodies.messageId, emailMessages.id))
    .leftJoin(contacts, eq(contacts.id, emailMessages.contactId))
    .leftJoin(emailProfiles, eq(emailProfiles.contactId, emailMessages.contactId))
    .leftJoin(emailTriggers, eq(emailTriggers.id, emailMessages.triggerId))
    .leftJoin(emailTemplates, eq(emailTemplates.id, emailMessages.templateId))
    .where(eq(emailMessages.id, id));
  return row;
}

export type DeliveryRow = NonNullable<Awaited<ReturnType<typeof loadMessage>>>;

const unsent = (id: string) => and(eq(emailMessages.id, id), inArray(emailMessages.state, ["queued", "deferred"]));

/** Ends a message without sending; only from queued or deferred, so a sent message is never touched. */
export async function finishUnsent(db: Db, id: string, state: "skipped" | "suppressed", reason: string, now: number) {
  await db.update(emailMessages).set({ state, skipReason: reason, updatedAt: now }).where(unsent(id));
}

export async function deferUnsent(
  db: Db,
  id: string,
  reason: "capped" | "quiet_hours" | "incident",
  until: number,
  now: number,
) {
  await db
    .update(emailMessages)
    .set({
      state: "deferred",
      deferReason: reason,
      sendAfter: until,
      updatedAt: now,
      ...(reason === "capped" ? { wasCapped: true } : {}),
    })
    .where(unsent(id));
}

/** Whether the contact did `event` after `since`. */
export async function didSince(db: Db, contactId: string, event: string, since: number): Promise<boolean> {
  const [hit] = await db
    .select({ lastAt: contactEventStats.lastAt })
    .from(contactEventStats)
    .where(
      and(
        eq(contactEventStats.contactId, contactId),
        eq(contactEventStats.event, event),
        gt(contactEventStats.lastAt, since),
      ),
    );
  return Boolean(hit);
}

/** When the contact's marketing messages of the last week went out. */
export async function marketingSentTimes(db: Db, contactId: string, now: number): Promise<number[]> {
  const rows = await db
    .select({ sentAt: emailMessages.sentAt })
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.contactId, contactId),
        gt(emailMessages.sentAt, now - WEEK),
        eq(emailMessages.topic, "marketing"),
        inArray(emailMessages.state, ["sending", "sent"]),
      ),
    );
  return rows.map((r) => r.sentAt ?? 0);
}

export type Composed = {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  links: Array<{ id: string; url: string }>;
};

/**
 * Claims the message for sending, with what will leave and its tracked links, in one batch. The
 * claim re-checks the weekly cap in the same statement, so two racing sends cannot both pass it.
 * Returns the attempt number, or null when the message was claimed elsewhere (or is capped now).
 */
export async function claimMessage(
  db: Db,
  id: string,
  c: { provider: string | null; address: string; mail: Composed; cap: number },
  now: number,
): Promise<number | null> {
  const claimable = and(
    unsent(id),
    sql`(email_messages.topic != 'marketing' or email_messages.contact_id is null or (
      select count(*) from email_messages p where p.contact_id = email_messages.contact_id
      and p.topic = 'marketing' and p.state in ('sending', 'sent') and p.sent_at > ${now - WEEK}) < ${c.cap})`,
  ) as SQL;
  // Without a provider the claim is the send: the day's rollup counts it in the same batch.
  const counted = c.provider ? [] : [sentRollupStatement(id, { day: Math.floor(now / DAY), where: claimable })];
  const results = await execBatch(db, [
    ...counted,
    db
      .update(emailMessages)
      .set({
        state: c.provider ? "sending" : "sent",
        provider: c.provider ?? "outbox",
        toAddress: c.address,
        subject: c.mail.subject,
        attempts: sql`${emailMessages.attempts} + 1`,
        claimedAt: now,
        sentAt: now,
        sendAfter: now,
        deferReason: null,
        updatedAt: now,
      })
      .where(claimable)
      .returning({ attempts: emailMessages.attempts }),
    // The body as it leaves, only if this claim won (the update above made the row ours).
    db
      .insert(emailBodies)
      .select(
        sql`select ${id}, ${c.mail.html}, ${c.mail.text}, ${JSON.stringify(c.mail.headers)}, null
          where exists (select 1 from email_messages where id = ${id} and claimed_at = ${now} and state in ('sending', 'sent'))`,
      )
      .onConflictDoUpdate({
        target: emailBodies.messageId,
        set: { html: sql`excluded.html`, text: sql`excluded.text`, headers: sql`excluded.headers` },
      }),
    ...insertChunks(
      db,
      emailLinks,
      c.mail.links.map((l) => ({ ...l, messageId: id })),
    ),
  ]);
  const claimed = (results[counted.length]?.results ?? []) as Array<{ attempts: number }>;
  return claimed[0]?.attempts ?? null;
}

/**
 * Settles claim `claimedAt` of a message still `sending` (an attempt of unknown outcome) with
 * `set`; false when another consumer settled or claimed it first.
 */
export async function settleClaim(
  db: Db,
  id: string,
  claimedAt: number | null,
  set: Partial<typeof emailMessages.$inferInsert>,
  now: number,
): Promise<boolean> {
  const claim = claimedAt === null ? sql`claimed_at is null` : sql`claimed_at = ${claimedAt}`;
  // Settled as sent (the provider has it): counted on its sending day, as markSent counts.
  const counted =
    set.state === "sent"
      ? [
          sentRollupStatement(id, {
            day: utcDay("sent_at"),
            where: sql`state = 'sending' and ${claim} and sent_at is not null`,
          }),
        ]
      : [];
  const results = await execBatch(db, [
    ...counted,
    db
      .update(emailMessages)
      .set({ ...set, updatedAt: now })
      .where(
        and(
          eq(emailMessages.id, id),
          eq(emailMessages.state, "sending"),
          claimedAt === null ? isNull(emailMessages.claimedAt) : eq(emailMessages.claimedAt, claimedAt),
        ),
      )
      .returning({ id: emailMessages.id }),
  ]);
  return (results[counted.length]?.results ?? []).length > 0;
}

/** The provider took the message: it is sent, and counted on its sending day once. */
export async function markSent(db: Db, id: string, providerMessageId: string | null, now: number) {
  await execBatch(db, [
    sentRollupStatement(id, { day: utcDay("sent_at"), where: sql`state != 'sent' and sent_at is not null` }),
    db
      .update(emailMessages)
      .set({ state: "sent", providerMessageId, lastError: null, updatedAt: now })
      .where(eq(emailMessages.id, id)),
  ]);
}

/**
 * A failed send: back to queued (to be retried at `sendAfter`) or, when `final`, failed for good.
 * `maybeDuplicate` when the failed attempt may have reached the recipient all the same.
 */
export async function markSendFailed(
  db: Db,
  id: string,
  f: { error: string; final: boolean; sendAfter: number; maybeDuplicate?: boolean },
  now: number,
) {
  await db
    .update(emailMessages)
    .set({
      state: f.final ? "failed" : "queued",
      ...(f.maybeDuplicate ? { maybeDuplicate: true } : {}),
      lastError: f.error,
      sentAt: null,
      sendAfter: f.sendAfter,
      updatedAt: now,
    })
    .where(and(eq(emailMessages.id, id), eq(emailMessages.state, "sending")));
}
