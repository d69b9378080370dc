import { and, desc, eq, isNotNull } from "drizzle-orm";
import { contacts, feedbackBoards, feedbackComments, feedbackPosts } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { adminPostSelect, commentView } from "./posts.ts";

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

/** Posts with votes held after a burst from new identities. */
export function flaggedPosts(db: Db) {
  return db
    .select(adminPostSelect)
    .from(feedbackPosts)
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
    .leftJoin(contacts, eq(contacts.id, feedbackPosts.authorId))
    .where(and(isNotNull(feedbackPosts.flaggedAt)))
    .orderBy(desc(feedbackPosts.flaggedAt))
    .limit(100);
}
