import { sql } from "drizzle-orm";
import { feedbackBoards, feedbackJobRuns, feedbackPosts } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { forgetBoard } from "../page-cache.ts";
import { TRENDING } from "../trending.ts";

/**
 * Recomputes `trending_score` (set-based, one statement) for every post with activity in the
 * window, and resets posts whose activity left it. Idempotent by the slot key in feedback_job_runs.
 */
export async function recomputeTrending(db: Db, slot: number, now = Date.now()): Promise<boolean> {
  const key = `trending:${slot}`;
  const done = await db.query.feedbackJobRuns.findFirst({ where: (r, { eq }) => eq(r.key, key) });
  if (done) return false;
  const since = now - TRENDING.windowMs;
  const h = TRENDING.halfWeightMs;
  forgetBoard("*");
  await db.batch([
    db.insert(feedbackJobRuns).values({ key, createdAt: now }).onConflictDoNothing(),
    // Trending order changed on every board: cached pages must not outlive it.
    db.update(feedbackBoards).set({ version: sql`${feedbackBoards.version} + 1` }),
    db
      .update(feedbackPosts)
      .set({
        trendingScore: sql`round(
          coalesce((select sum(1.0 / (1.0 + (${now} - v.created_at) * 1.0 / ${h})) from feedback_votes v
            where v.post_id = feedback_posts.id and v.state = 'counted' and v.created_at > ${since}), 0)
          + ${TRENDING.commentWeight} * coalesce((select sum(1.0 / (1.0 + (${now} - c.created_at) * 1.0 / ${h}))
            from feedback_comments c
            where c.post_id = feedback_posts.id and c.moderation = 'approved' and c.created_at > ${since}), 0), 4)`,
      })
      .where(
        sql`${feedbackPosts.trendingScore} > 0
          or ${feedbackPosts.id} in (select post_id from feedback_votes where created_at > ${since})
          or ${feedbackPosts.id} in (select post_id from feedback_comments where created_at > ${since})`,
      ),
  ]);
  return true;
}
