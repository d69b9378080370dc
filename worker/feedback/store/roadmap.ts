// The public roadmap: what is planned, in progress and recently done, across public boards.
import { and, asc, desc, eq, gt } from "drizzle-orm";
import { feedbackBoards, feedbackCategories, feedbackPosts } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { postSelect } from "./posts.ts";

/** Done posts stay on the roadmap this long after they shipped. */
export const DONE_RECENT_MS = 90 * 86_400_000;
const PER_COLUMN = 50;

const card = {
  id: feedbackPosts.id,
  title: feedbackPosts.title,
  status: feedbackPosts.status,
  voteCount: feedbackPosts.voteCount,
  tags: feedbackPosts.tags,
  statusChangedAt: feedbackPosts.statusChangedAt,
  boardSlug: feedbackBoards.slug,
  boardName: feedbackBoards.name,
  categoryName: postSelect.categoryName,
};
const publicApproved = and(eq(feedbackBoards.visibility, "public"), eq(feedbackPosts.moderation, "approved"));

/** The categories of public boards, with their board's name: the roadmap's filter. */
export function publicCategories(db: Db) {
  return db
    .select({ id: feedbackCategories.id, name: feedbackCategories.name, boardName: feedbackBoards.name })
    .from(feedbackCategories)
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackCategories.boardId))
    .where(eq(feedbackBoards.visibility, "public"))
    .orderBy(asc(feedbackBoards.name), asc(feedbackCategories.position));
}

/**
 * Planned and In progress by votes, Done of the last 90 days newest first, across public boards;
 * only the posts of `categoryId` when given.
 */
export async function roadmapColumns(db: Db, now = Date.now(), categoryId?: string) {
  const visible = and(publicApproved, categoryId ? eq(feedbackPosts.categoryId, categoryId) : undefined);
  const column = (status: "planned" | "in_progress") =>
    db
      .select(card)
      .from(feedbackPosts)
      .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
      .where(and(eq(feedbackPosts.status, status), visible))
      .orderBy(desc(feedbackPosts.voteCount), desc(feedbackPosts.id))
      .limit(PER_COLUMN);
  const [planned, inProgress, done] = await Promise.all([
    column("planned"),
    column("in_progress"),
    db
      .select(card)
      .from(feedbackPosts)
      .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
      .where(and(eq(feedbackPosts.status, "done"), gt(feedbackPosts.statusChangedAt, now - DONE_RECENT_MS), visible))
      .orderBy(desc(feedbackPosts.statusChangedAt))
      .limit(PER_COLUMN),
  ]);
  return { planned, inProgress, done };
}
