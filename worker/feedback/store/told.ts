// Who was told an idea shipped, kept here for good: the outbox prunes finished messages.
import { and, eq, gte, sql } from "drizzle-orm";
import { feedbackEvents, feedbackNoticesTold } from "../../../db/schema/index.ts";
import { sentMessages } from "../../emails/index.ts";
import { type Db, insertChunks, runBatch } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";

/** How far back the copy looks: a notice held by quiet hours or the weekly cap is sent within days. */
export const TOLD_LOOKBACK_MS = 14 * 86_400_000;

/**
 * Copies the sent "now done" notices of the last 14 days from the outbox (idempotent by notice and
 * contact). Returns how many it found sent, copied before or now.
 */
export async function recordTold(db: Db, now: number): Promise<number> {
  const events = await db
    .select({ key: feedbackEvents.key, postId: feedbackEvents.postId, recipients: feedbackEvents.recipients })
    .from(feedbackEvents)
    .where(
      and(
        eq(feedbackEvents.type, "feedback.status_changed"),
        gte(feedbackEvents.createdAt, now - TOLD_LOOKBACK_MS),
        sql`json_extract(${feedbackEvents.payload}, '$.to') = 'done'`,
      ),
    );
  const byKey = new Map<string, (typeof events)[number]>(
    events.flatMap((e) => e.recipients.map((c) => [`${e.key}:${c}`, e] as const)),
  );
  const sent = await sentMessages(db, [...byKey.keys()]);
  const rows = sent.flatMap((m) => {
    const e = byKey.get(m.key);
    return e?.postId ? [{ eventKey: e.key, postId: e.postId, contactId: m.contactId, toldAt: m.sentAt }] : [];
  });
  await runBatch(db, insertChunks(db, feedbackNoticesTold, rows));
  return rows.length;
}

/**
 * Ideas shipped in `range` (moved to done then, and done still), the people their notice was for
 * (voters and the author, when the change notified them), and each person told with the time.
 */
export async function shippedVoters(db: Db, range: Range) {
  const shipped = sql`select sc.id as change_id, sc.post_id from feedback_status_changes sc
    join feedback_posts p on p.id = sc.post_id
    where sc.to_status = 'done' and p.status = 'done' and sc.created_at >= ${range.from} and sc.created_at < ${range.to}`;
  const [[counts], told] = await Promise.all([
    db.all<{ ideas: number; voters: number }>(sql`with shipped as (${shipped})
      select (select count(distinct post_id) from shipped) as ideas,
        (select count(distinct r.value) from shipped s join feedback_events e on e.key = 'status:' || s.change_id,
          json_each(e.recipients) r) as voters`),
    db.all<{ contactId: string; at: number }>(sql`with shipped as (${shipped})
      select t.contact_id as contactId, t.told_at as at from feedback_notices_told t
      join shipped s on t.event_key = 'status:' || s.change_id`),
  ]);
  return { ideas: Number(counts?.ideas ?? 0), voters: Number(counts?.voters ?? 0), told };
}
