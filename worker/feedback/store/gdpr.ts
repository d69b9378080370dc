// GDPR, feedback's part: the contact's posts, comments, votes and the posts they follow, and its
// erase. Posts and comments stay without their author (shown as by nobody, as a deleted user's
// are); votes stay, under the opaque contact, so every count and ratio holds.
import { asc, eq, sql } from "drizzle-orm";
import {
  feedbackBoards,
  feedbackComments,
  feedbackEvents,
  feedbackNoticesTold,
  feedbackPosts,
  feedbackVotes,
} from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import type { EraseContext, Erasure } from "../../lib/gdpr.ts";

/** Feedback's section of a contact's export. */
export async function exportFeedbackData(db: Db, contactId: string) {
  const [posts, comments, votes, notices, toldShipped] = await db.batch([
    db
      .select({
        id: feedbackPosts.id,
        board: feedbackBoards.slug,
        title: feedbackPosts.title,
        body: feedbackPosts.body,
        tags: feedbackPosts.tags,
        status: feedbackPosts.status,
        moderation: feedbackPosts.moderation,
        voteCount: feedbackPosts.voteCount,
        createdAt: feedbackPosts.createdAt,
      })
      .from(feedbackPosts)
      .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
      .where(eq(feedbackPosts.authorId, contactId))
      .orderBy(asc(feedbackPosts.createdAt)),
    db
      .select({
        id: feedbackComments.id,
        postId: feedbackComments.postId,
        body: feedbackComments.body,
        moderation: feedbackComments.moderation,
        createdAt: feedbackComments.createdAt,
      })
      .from(feedbackComments)
      .where(eq(feedbackComments.authorId, contactId))
      .orderBy(asc(feedbackComments.createdAt)),
    db
      .select({
        postId: feedbackVotes.postId,
        title: feedbackPosts.title,
        state: feedbackVotes.state,
        createdAt: feedbackVotes.createdAt,
      })
      .from(feedbackVotes)
      .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackVotes.postId))
      .where(eq(feedbackVotes.contactId, contactId))
      .orderBy(asc(feedbackVotes.createdAt)),
    db
      .select({
        id: feedbackEvents.id,
        type: feedbackEvents.type,
        postId: feedbackEvents.postId,
        createdAt: feedbackEvents.createdAt,
      })
      .from(feedbackEvents)
      .where(sql`exists (select 1 from json_each(${feedbackEvents.recipients}) where value = ${contactId})`)
      .orderBy(asc(feedbackEvents.createdAt)),
    db
      .select({ postId: feedbackNoticesTold.postId, toldAt: feedbackNoticesTold.toldAt })
      .from(feedbackNoticesTold)
      .where(eq(feedbackNoticesTold.contactId, contactId))
      .orderBy(asc(feedbackNoticesTold.toldAt)),
  ]);
  return {
    posts,
    comments,
    votes,
    /** Posts the person hears about (Canny-style: authors and voters follow a post). */
    subscriptions: [...new Set([...posts.map((p) => p.id), ...votes.map((v) => v.postId)])].map((postId) => ({
      postId,
    })),
    /** Status changes, merges and digests the person was among the recipients of. */
    notices,
    /** Ideas the person was told had shipped (kept for the feedback-implementation ratio). */
    toldShipped,
  };
}

/** Feedback's part of an erase (see the file's header); the boards' cached pages are refreshed. */
export async function eraseFeedbackStatements(db: Db, contactId: string, ctx: EraseContext): Promise<Erasure> {
  const held = await db.get<{ n: number }>(
    sql`select (select count(*) from feedback_votes where contact_id = ${contactId})
      + (select count(*) from feedback_notices_told where contact_id = ${contactId}) as n`,
  );
  return {
    keepsRows: (held?.n ?? 0) > 0,
    steps: [
      {
        statement: sql`update feedback_boards set version = version + 1 where id in (
          select board_id from feedback_posts where author_id = ${contactId}
          union select p.board_id from feedback_comments c join feedback_posts p on p.id = c.post_id where c.author_id = ${contactId})`,
      },
      {
        count: "postsAnonymised",
        statement: sql`update feedback_posts set author_id = null, updated_at = ${ctx.now} where author_id = ${contactId}`,
      },
      {
        count: "commentsAnonymised",
        statement: sql`update feedback_comments set author_id = null where author_id = ${contactId}`,
      },
      {
        count: "votesKeptAnonymous",
        statement: sql`update feedback_votes set contact_id = ${ctx.opaqueId} where contact_id = ${contactId}`,
      },
      {
        count: "toldKeptAnonymous",
        statement: sql`update feedback_notices_told set contact_id = ${ctx.opaqueId} where contact_id = ${contactId}`,
      },
      {
        count: "noticesForgotten",
        statement: sql`update feedback_events
          set recipients = (select json_group_array(value) from json_each(recipients) where value != ${contactId})
          where exists (select 1 from json_each(recipients) where value = ${contactId})`,
      },
    ],
    needles: [],
  };
}
