// Status changes: moving a post along the roadmap, merging a duplicate, and the timelines they leave.
import { and, desc, eq, sql } from "drizzle-orm";
import {
  feedbackBoards,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
  type PostStatus,
} from "../../../db/schema/index.ts";
import { type Db, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { conflict, Problem } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { postUrl } from "../answers.ts";
import { bumpBoard } from "./boards.ts";
import { noticeStatements } from "./events.ts";
import { followers, type PostRow, recountVotes } from "./posts.ts";

/**
 * Moves a post to `status`: the history row, the webhook, the stored `feedback.status_changed`
 * event and the emails to voters and author are written in one batch with the change.
 */
export async function changeStatus(
  db: Db,
  p: { post: PostRow; boardSlug: string },
  input: { status: PostStatus; comment?: string; actor: string; notify: boolean; baseUrl: string },
  now = Date.now(),
) {
  const { post } = p;
  if (post.status === "merged") throw conflict("A merged post keeps its status; change the original instead");
  const changeId = newId("fbs", now);
  const comment = input.comment?.trim() || null;
  const url = postUrl(input.baseUrl, p.boardSlug, post.id);
  const payload = {
    post: { id: post.id, board: p.boardSlug, title: post.title, url },
    from: post.status,
    to: input.status,
    comment,
    actor: input.actor,
    changeId,
  };
  const recipients = input.notify && post.status !== input.status ? await followers(db, post) : [];
  const notices =
    post.status !== input.status
      ? noticeStatements(
          db,
          { type: "feedback.status_changed", key: `status:${changeId}`, postId: post.id, payload },
          recipients,
          now,
        )
      : [];
  await runBatch(db, [
    db
      .update(feedbackPosts)
      .set({ status: input.status, statusChangedAt: now, updatedAt: now })
      .where(eq(feedbackPosts.id, post.id)),
    db.insert(feedbackStatusChanges).values({
      id: changeId,
      postId: post.id,
      fromStatus: post.status,
      toStatus: input.status,
      actor: input.actor,
      comment,
      createdAt: now,
    }),
    emit(db, "post.status_changed", payload, now),
    ...notices,
    bumpBoard(db, post.boardId),
  ]);
  return { changeId, notified: recipients.length };
}

/**
 * Merges `dup` into `into`: the duplicate's voters become voters of the original (a person who
 * voted on both keeps one vote), the duplicate is marked `merged` and linked, and its voters hear.
 */
export async function mergePost(
  db: Db,
  dup: { post: PostRow; boardSlug: string },
  into: { post: PostRow; boardSlug: string },
  input: { actor: string; baseUrl: string },
  now = Date.now(),
) {
  if (dup.post.id === into.post.id) throw new Problem(409, "conflict", "A post cannot be merged into itself");
  if (dup.post.status === "merged") throw conflict("This post is already merged");
  if (into.post.status === "merged") throw conflict("The target is itself merged; merge into its original");
  const recipients = await followers(db, dup.post);
  const url = postUrl(input.baseUrl, into.boardSlug, into.post.id);
  const changeId = newId("fbs", now);
  const payload = {
    duplicate: { id: dup.post.id, board: dup.boardSlug, title: dup.post.title },
    original: { id: into.post.id, board: into.boardSlug, title: into.post.title, url },
    actor: input.actor,
  };
  await runBatch(db, [
    db
      .insert(feedbackVotes)
      .select(
        db
          .select({
            id: sql<string>`'fbv_' || lower(hex(randomblob(12)))`.as("id"),
            postId: sql<string>`${into.post.id}`.as("post_id"),
            contactId: feedbackVotes.contactId,
            state: feedbackVotes.state,
            createdAt: feedbackVotes.createdAt,
          })
          .from(feedbackVotes)
          .where(eq(feedbackVotes.postId, dup.post.id)),
      )
      .onConflictDoNothing(),
    db.delete(feedbackVotes).where(eq(feedbackVotes.postId, dup.post.id)),
    recountVotes(db, into.post.id, now),
    db
      .update(feedbackPosts)
      .set({ status: "merged", mergedIntoId: into.post.id, voteCount: 0, statusChangedAt: now, updatedAt: now })
      .where(eq(feedbackPosts.id, dup.post.id)),
    db.insert(feedbackStatusChanges).values({
      id: changeId,
      postId: dup.post.id,
      fromStatus: dup.post.status,
      toStatus: "merged",
      actor: input.actor,
      comment: `Merged into "${into.post.title}"`,
      createdAt: now,
    }),
    emit(db, "post.merged", payload, now),
    ...noticeStatements(
      db,
      { type: "feedback.merged", key: `merged:${changeId}`, postId: dup.post.id, payload },
      recipients,
      now,
    ),
    bumpBoard(db, dup.post.boardId),
    ...(into.post.boardId !== dup.post.boardId ? [bumpBoard(db, into.post.boardId)] : []),
  ]);
  return { notified: recipients.length };
}

export function postTimeline(db: Db, postId: string) {
  return db
    .select()
    .from(feedbackStatusChanges)
    .where(eq(feedbackStatusChanges.postId, postId))
    .orderBy(feedbackStatusChanges.createdAt, feedbackStatusChanges.id);
}

/** The latest status changes (for the Atom feeds), on one board or every public board. */
export function statusFeed(db: Db, boardId?: string, limit = 50) {
  return db
    .select({
      id: feedbackStatusChanges.id,
      toStatus: feedbackStatusChanges.toStatus,
      fromStatus: feedbackStatusChanges.fromStatus,
      comment: feedbackStatusChanges.comment,
      createdAt: feedbackStatusChanges.createdAt,
      postId: feedbackPosts.id,
      title: feedbackPosts.title,
      boardSlug: feedbackBoards.slug,
      boardName: feedbackBoards.name,
    })
    .from(feedbackStatusChanges)
    .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackStatusChanges.postId))
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
    .where(
      and(
        boardId ? eq(feedbackBoards.id, boardId) : eq(feedbackBoards.visibility, "public"),
        eq(feedbackPosts.moderation, "approved"),
      ),
    )
    .orderBy(desc(feedbackStatusChanges.createdAt))
    .limit(limit);
}
