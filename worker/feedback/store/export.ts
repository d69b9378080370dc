// A whole board read out for export, in keyset pages.
import { and, asc, eq, gt } from "drizzle-orm";
import { contacts, feedbackComments, feedbackPosts, feedbackStatusChanges } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { boardView } from "../answers.ts";
import type { Board } from "./boards.ts";
import { listCategories } from "./categories.ts";
import { postSelect } from "./posts.ts";

const PAGE = 500;

/** Every row of a board-scoped query, fetched in keyset pages of 500 (never one huge read). */
async function allPages<T extends { id: string }>(fetch: (after: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  let after = "";
  for (;;) {
    const rows = await fetch(after);
    out.push(...rows);
    if (rows.length < PAGE) return out;
    after = rows[rows.length - 1].id;
  }
}

export async function exportBoard(db: Db, board: Board, now = Date.now()) {
  const posts = await allPages((after) =>
    db
      .select({
        id: feedbackPosts.id,
        title: feedbackPosts.title,
        body: feedbackPosts.body,
        status: feedbackPosts.status,
        tags: feedbackPosts.tags,
        category: postSelect.categoryName,
        voteCount: feedbackPosts.voteCount,
        commentCount: feedbackPosts.commentCount,
        impact: feedbackPosts.impact,
        confidence: feedbackPosts.confidence,
        ease: feedbackPosts.ease,
        iceScore: feedbackPosts.iceScore,
        moderation: feedbackPosts.moderation,
        mergedIntoId: feedbackPosts.mergedIntoId,
        authorExternalId: contacts.externalId,
        authorEmail: contacts.email,
        authorName: contacts.name,
        createdAt: feedbackPosts.createdAt,
        statusChangedAt: feedbackPosts.statusChangedAt,
      })
      .from(feedbackPosts)
      .leftJoin(contacts, eq(contacts.id, feedbackPosts.authorId))
      .where(and(eq(feedbackPosts.boardId, board.id), gt(feedbackPosts.id, after)))
      .orderBy(asc(feedbackPosts.id))
      .limit(PAGE),
  );
  const statusChanges = await allPages((after) =>
    db
      .select({
        id: feedbackStatusChanges.id,
        postId: feedbackStatusChanges.postId,
        fromStatus: feedbackStatusChanges.fromStatus,
        toStatus: feedbackStatusChanges.toStatus,
        actor: feedbackStatusChanges.actor,
        comment: feedbackStatusChanges.comment,
        createdAt: feedbackStatusChanges.createdAt,
      })
      .from(feedbackStatusChanges)
      .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackStatusChanges.postId))
      .where(and(eq(feedbackPosts.boardId, board.id), gt(feedbackStatusChanges.id, after)))
      .orderBy(asc(feedbackStatusChanges.id))
      .limit(PAGE),
  );
  const comments = await allPages((after) =>
    db
      .select({
        id: feedbackComments.id,
        postId: feedbackComments.postId,
        team: feedbackComments.team,
        teamName: feedbackComments.teamName,
        authorExternalId: contacts.externalId,
        body: feedbackComments.body,
        moderation: feedbackComments.moderation,
        createdAt: feedbackComments.createdAt,
      })
      .from(feedbackComments)
      .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackComments.postId))
      .leftJoin(contacts, eq(contacts.id, feedbackComments.authorId))
      .where(and(eq(feedbackPosts.boardId, board.id), gt(feedbackComments.id, after)))
      .orderBy(asc(feedbackComments.id))
      .limit(PAGE),
  );
  return {
    board: boardView(board, await listCategories(db, board.id)),
    exportedAt: new Date(now).toISOString(),
    posts,
    statusChanges,
    comments,
  };
}

export type ExportedPost = Awaited<ReturnType<typeof exportBoard>>["posts"][number];
