// Loop events (status changes, merges, digests) kept in feedback_events, and their emails.
import { and, asc, desc, eq, gt, inArray, lt } from "drizzle-orm";
import { contacts, type FEEDBACK_EVENT_TYPES, feedbackEvents } from "../../../db/schema/index.ts";
import { emailStatements } from "../../emails/index.ts";
import { chunk, type Db, IN_LIST_MAX, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { emailsFor, type LoopEvent, type Recipient } from "../notices.ts";

/**
 * Batchable writes that close the loop: the event kept in feedback_events (so nothing is lost
 * while the email capability is absent) and the emails through the emails contract, which checks
 * consent. Idempotent by `event.key`.
 */
export function noticeStatements(db: Db, e: LoopEvent, recipients: Recipient[], now = Date.now()) {
  const event = db
    .insert(feedbackEvents)
    .values({ id: newId("fbe", now), ...e, recipients: recipients.map((r) => r.id), createdAt: now })
    .onConflictDoNothing();
  return [event, ...emailStatements(db, emailsFor(e, recipients))];
}

/**
 * Hands stored events (after `cursor`, oldest first) to the emails contract again. Safe to repeat:
 * each email keeps the idempotency key of the first attempt, so the emails capability sends it once.
 * Returns the last event id handled, or null when there are no more.
 */
export async function replayEvents(db: Db, cursor: string, limit = 20): Promise<string | null> {
  const events = await db
    .select()
    .from(feedbackEvents)
    .where(gt(feedbackEvents.id, cursor))
    .orderBy(asc(feedbackEvents.id))
    .limit(limit);
  for (const e of events) {
    // One IN list per chunk: D1 binds at most 100 parameters per statement.
    const found = await runBatch(
      db,
      chunk(e.recipients.slice(0, 10_000), IN_LIST_MAX).map((part) =>
        db
          .select({ id: contacts.id, email: contacts.email, name: contacts.name })
          .from(contacts)
          .where(inArray(contacts.id, part)),
      ),
    );
    const people = (found as Array<Array<{ id: string; email: string | null; name: string | null }>>).flat();
    await runBatch(db, emailStatements(db, emailsFor(e, people)));
  }
  return events.length === limit ? events[events.length - 1].id : null;
}

/** Stored loop events (status changes, merges, digests), newest first, keyset-paged by id. */
export async function listFeedbackEvents(
  db: Db,
  o: { limit: number; cursor?: string; type?: (typeof FEEDBACK_EVENT_TYPES)[number] },
) {
  const rows = await db
    .select()
    .from(feedbackEvents)
    .where(
      and(o.cursor ? lt(feedbackEvents.id, o.cursor) : undefined, o.type ? eq(feedbackEvents.type, o.type) : undefined),
    )
    .orderBy(desc(feedbackEvents.id))
    .limit(o.limit + 1);
  const data = rows.slice(0, o.limit);
  return { data, nextCursor: rows.length > o.limit ? (data[data.length - 1]?.id ?? null) : null };
}
