// Comments: a thread's approved comments, the moderation queue, and every change to one.
import { and, eq } from "drizzle-orm";
import { contacts, feedbackComments, feedbackPosts } from "../../../db/schema/index.ts";
import { activityStatements } from "../../emails/index.ts";
import { type Db, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { emit } from "../../lib/webhooks.ts";
import { commentView } from "../answers.ts";
import { renderMarkdown } from "../markdown.ts";
import { authored } from "./activity.ts";
import { bumpBoard } from "./boards.ts";
import { type CommentRow, contributorSql, type PostRow, recountComments } from "./posts.ts";

/** Comments on a post, oldest first; visitors see approved ones only. */
export async function postComments(db: Db, postId: string, opts: { approvedOnly: boolean }) {
  const rows = await db
    .select({
      c: feedbackComments,
      authorName: contacts.name,
      contributor: contributorSql(feedbackComments.authorId),
    })
    .from(feedbackComments)
    .leftJoin(contacts, eq(contacts.id, feedbackComments.authorId))
    .where(
      and(
        eq(feedbackComments.postId, postId),
        opts.approvedOnly ? eq(feedbackComments.moderation, "approved") : undefined,
      ),
    )
    .orderBy(feedbackComments.createdAt, feedbackComments.id)
    .limit(500);
  return rows.map((r) => commentView(r.c, r.authorName, r.contributor));
}

/** Comments waiting for approval, oldest first, with the post they are on. */
export async function pendingComments(db: Db, limit: number) {
  const rows = await db
    .select({ c: feedbackComments, authorName: contacts.name, postTitle: feedbackPosts.title })
    .from(feedbackComments)
    .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackComments.postId))
    .leftJoin(contacts, eq(contacts.id, feedbackComments.authorId))
    .where(eq(feedbackComments.moderation, "pending"))
    .orderBy(feedbackComments.createdAt)
    .limit(limit);
  return rows.map((r) => ({ ...commentView(r.c, r.authorName, false), postTitle: r.postTitle, body: r.c.body }));
}

export async function addComment(
  db: Db,
  p: { post: PostRow; boardSlug: string; moderated: boolean },
  input: { authorId: string | null; team: boolean; teamName?: string | null; body: string },
  now = Date.now(),
) {
  const row: typeof feedbackComments.$inferInsert = {
    id: newId("fbc", now),
    postId: p.post.id,
    authorId: input.authorId,
    team: input.team,
    teamName: input.team ? (input.teamName ?? "Team") : null,
    body: input.body,
    bodyHtml: renderMarkdown(input.body),
    moderation: p.moderated && !input.team ? "pending" : "approved",
    createdAt: now,
  };
  const [[comment]] = await runBatch(db, [
    db.insert(feedbackComments).values(row).returning(),
    recountComments(db, p.post.id),
    emit(
      db,
      "comment.created",
      {
        comment: {
          id: row.id,
          postId: row.postId,
          authorId: row.authorId,
          team: row.team,
          moderation: row.moderation,
          body: row.body,
        },
        post: { id: p.post.id, board: p.boardSlug, title: p.post.title },
      },
      now,
    ),
    bumpBoard(db, p.post.boardId),
    ...activityStatements(
      db,
      authored("feedback_comment", row.id, input.team ? null : row.authorId, now, { postId: p.post.id }),
      now,
    ),
  ]);
  return comment as CommentRow;
}

export async function moderateComment(db: Db, commentId: string, action: "approve" | "reject") {
  const [c] = await db
    .select({ c: feedbackComments, boardId: feedbackPosts.boardId })
    .from(feedbackComments)
    .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackComments.postId))
    .where(eq(feedbackComments.id, commentId));
  if (!c) return null;
  const [[row]] = await runBatch(db, [
    db
      .update(feedbackComments)
      .set({ moderation: action === "approve" ? "approved" : "rejected" })
      .where(eq(feedbackComments.id, commentId))
      .returning(),
    recountComments(db, c.c.postId),
    bumpBoard(db, c.boardId),
  ]);
  return row as CommentRow;
}

export async function deleteComment(db: Db, commentId: string) {
  const c = await db.query.feedbackComments.findFirst({ where: eq(feedbackComments.id, commentId) });
  if (!c) return false;
  const post = await db.query.feedbackPosts.findFirst({ where: eq(feedbackPosts.id, c.postId) });
  await runBatch(db, [
    db.delete(feedbackComments).where(eq(feedbackComments.id, commentId)),
    recountComments(db, c.postId),
    ...(post ? [bumpBoard(db, post.boardId)] : []),
  ]);
  return true;
}
