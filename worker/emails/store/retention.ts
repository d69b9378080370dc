// Retention of emails' raw rows: events (duplicate detection by messageId lasts as long), message
// bodies, then whole messages. Whatever is shown beyond a window survives it: a message is folded
// into `email_message_days` in the batch that prunes it, and an event that converts a sent message
// marks it before the event goes.
import { type SQL, sql } from "drizzle-orm";
import { type Db, execBatch } from "../../lib/db.ts";
import { idsBefore } from "../../lib/ids.ts";
import { type ArchivedRow, DAY, dayOf, type RetentionTask } from "../../lib/retention.ts";
import { boundaryUpsert, idIn, idsOf, oldestRows, retentionBoundary } from "../../lib/store/retention.ts";
import { foldMessages, goalEvents } from "./message-days.ts";
import { rollupsCompleteBefore } from "./rollups.ts";

/**
 * Rows of `column` the KPI rollup `rollup` already holds (its backfill may still be running after
 * an upgrade): nothing before it starts, days before its progress while it runs, all once it is done.
 */
async function inRollup(db: Db, rollup: "contact_event_daily" | "email_engagement_daily", column: string) {
  const before = (await rollupsCompleteBefore(db))[rollup];
  if (before === Number.POSITIVE_INFINITY) return sql`1`;
  return before === Number.NEGATIVE_INFINITY ? sql`0` : sql`coalesce(${sql.raw(column)}, 0) < ${before * DAY}`;
}

/** Messages in these states are done: nothing will send them again. */
export const FINAL = sql.raw("state IN ('sent', 'failed', 'suppressed', 'skipped')");
const num = (row: ArchivedRow, column: string) => Number(row[column]);

/** Days before this time are shown from `contact_event_daily` in a contact's timeline (0: none). */
export const eventsBoundary = (db: Db) => retentionBoundary(db, "email_events");

/** Sent messages these events convert get the time of their conversion, which outlives the events. */
function markConversions(rows: ArchivedRow[]): SQL {
  const events = sql`(SELECT * FROM email_events WHERE ${idIn(rows)})`;
  return sql`UPDATE email_messages AS m SET converted_at = (SELECT min(e.occurred_at) ${goalEvents(events)})
    WHERE m.state = 'sent' AND m.converted_at IS NULL AND m.trigger_id IS NOT NULL
      AND m.contact_id IN (SELECT contact_id FROM email_events WHERE ${idIn(rows)})
      AND EXISTS (SELECT 1 ${goalEvents(events)})`;
}

/** Raw events received before the cutoff (their messageIds are forgotten with them). */
const eventsRetention: RetentionTask = {
  name: "email_events",
  window: "events",
  dayOf: (row) => dayOf(num(row, "occurred_at")),
  // The timeline shows whole days before the cutoff's next midnight from the activity rollup.
  prepare: (db, cutoff) => execBatch(db, [boundaryUpsert("email_events", (dayOf(cutoff) + 1) * DAY)]).then(() => {}),
  next: async (db, cutoff, limit) =>
    oldestRows(
      db,
      "email_events",
      sql`id < ${idsBefore("ev", cutoff)} AND ${await inRollup(db, "contact_event_daily", "occurred_at")}`,
      "id",
      limit,
    ),
  async prune(db, rows) {
    const [, deleted] = await execBatch(db, [
      markConversions(rows),
      sql`DELETE FROM email_events WHERE ${idIn(rows)} RETURNING id`,
    ]);
    return idsOf(deleted.results as Array<{ id: string }>);
  },
};

/** Bodies (HTML, text, headers, template context) of finished messages made before the cutoff. */
const bodiesRetention: RetentionTask = {
  name: "email_bodies",
  window: "emailBodies",
  dayOf: (row) => dayOf(num(row, "created_at")),
  next: (db, cutoff, limit) =>
    db.all<ArchivedRow>(sql`SELECT m.id, m.created_at, m.contact_id, m.to_address, m.subject, b.html, b.text, b.headers, b.context
      FROM email_bodies b JOIN email_messages m ON m.id = b.message_id
      WHERE b.message_id < ${idsBefore("em", cutoff)} AND ${FINAL} ORDER BY b.message_id LIMIT ${limit}`),
  async prune(db, rows) {
    return idsOf(
      await db.all<{ id: string }>(sql`DELETE FROM email_bodies WHERE ${idIn(rows, "message_id")}
        AND message_id IN (SELECT id FROM email_messages WHERE ${idIn(rows)} AND ${FINAL}) RETURNING message_id AS id`),
    );
  },
};

/** Finished messages made before the cutoff, with their tracked links, folded into the day rollup. */
const messagesRetention: RetentionTask = {
  name: "email_messages",
  window: "emailMessages",
  dayOf: (row) => dayOf(num(row, "created_at")),
  next: async (db, cutoff, limit) =>
    db.all<ArchivedRow>(sql`SELECT m.*, b.html, b.text, b.headers, b.context,
        (SELECT json_group_array(json_object('id', l.id, 'url', l.url)) FROM email_links l WHERE l.message_id = m.id) AS links
      FROM email_messages m LEFT JOIN email_bodies b ON b.message_id = m.id WHERE m.id < ${idsBefore("em", cutoff)} AND ${FINAL}
        AND ${await inRollup(db, "email_engagement_daily", "m.sent_at")} ORDER BY m.id LIMIT ${limit}`),
  async prune(db, rows) {
    const results = await execBatch(db, [
      foldMessages(idIn(rows, "m.id"), FINAL),
      sql`DELETE FROM email_links WHERE ${idIn(rows, "message_id")}`,
      // A body window longer than the messages' goes with the message.
      sql`DELETE FROM email_bodies WHERE ${idIn(rows, "message_id")}`,
      sql`DELETE FROM email_messages WHERE ${idIn(rows)} AND ${FINAL} RETURNING id`,
    ]);
    return idsOf(results[3].results as Array<{ id: string }>);
  },
};

/** Emails' raw rows in the order they are pruned: events mark conversions before messages are folded. */
export const emailsRetentionTasks: RetentionTask[] = [eventsRetention, bodiesRetention, messagesRetention];
