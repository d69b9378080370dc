// The counts behind the Feedback-Implementation Ratio, in one read.
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { implementationRatio } from "../implementation.ts";

/**
 * Feedback-Implementation Ratio over `range`.
 * Count form: posts moved to `done` in the range / posts received in the range, not counting
 * duplicates (merged) and spam (rejected in moderation).
 * Vote-weighted form: votes on posts delivered in the range / votes on those plus posts still open
 * (under review, planned, in progress) at its end; votes cast before the range ends.
 */
export async function feedbackImplementation(db: Db, range: Range) {
  const { from, to } = range;
  const [row] = await db.all<{ done: number; received: number; delivered: number; open: number }>(sql`
    with delivered as (
      select distinct post_id from feedback_status_changes
      where to_status = 'done' and created_at >= ${from} and created_at < ${to}
    )
    select
      (select count(*) from delivered d join feedback_posts p on p.id = d.post_id where p.status = 'done') as done,
      (select count(*) from feedback_posts where created_at >= ${from} and created_at < ${to}
        and status <> 'merged' and moderation <> 'rejected') as received,
      (select count(*) from feedback_votes v join delivered d on d.post_id = v.post_id
        where v.state = 'counted' and v.created_at < ${to}) as delivered,
      (select count(*) from feedback_votes v join feedback_posts p on p.id = v.post_id
        where v.state = 'counted' and v.created_at < ${to} and p.created_at < ${to}
        and p.moderation = 'approved' and p.status in ('under_review', 'planned', 'in_progress')) as open
  `);
  return implementationRatio({
    done: Number(row?.done ?? 0),
    received: Number(row?.received ?? 0),
    delivered: Number(row?.delivered ?? 0),
    open: Number(row?.open ?? 0),
  });
}
