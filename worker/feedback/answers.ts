// How feedback rows are shown in JSON answers: pure shaping of what the store read.
import type { Board } from "./store/boards.ts";
import type { Category } from "./store/categories.ts";
import type { CommentRow, PostRow } from "./store/posts.ts";

/** A post's public page. */
export const postUrl = (baseUrl: string, boardSlug: string, postId: string) =>
  `${baseUrl.replace(/\/$/, "")}/feedback/${boardSlug}/${postId}`;

export const categoryView = (c: Category) => ({ id: c.id, name: c.name, position: c.position });

export const boardView = (b: Board, categories: Category[] = []) => ({
  id: b.id,
  slug: b.slug,
  name: b.name,
  description: b.description,
  visibility: b.visibility,
  moderated: b.moderated,
  categories: categories.map(categoryView),
  createdAt: b.createdAt,
  updatedAt: b.updatedAt,
});

export type PostWithAuthor = {
  post: PostRow;
  boardSlug: string;
  authorName: string | null;
  contributor: number | boolean;
  categoryName?: string | null;
};

/** The public shape of a post. */
export function postView(r: PostWithAuthor, baseUrl: string) {
  const p = r.post;
  return {
    id: p.id,
    boardId: p.boardId,
    boardSlug: r.boardSlug,
    title: p.title,
    body: p.body,
    bodyHtml: p.bodyHtml,
    author: p.authorId ? { id: p.authorId, name: r.authorName, contributor: Boolean(r.contributor) } : null,
    tags: p.tags,
    category: p.categoryId && r.categoryName ? { id: p.categoryId, name: r.categoryName } : null,
    status: p.status,
    voteCount: p.voteCount,
    commentCount: p.commentCount,
    trendingScore: p.trendingScore,
    mergedIntoId: p.mergedIntoId,
    statusChangedAt: p.statusChangedAt,
    createdAt: p.createdAt,
    url: postUrl(baseUrl, r.boardSlug, p.id),
  };
}

export function adminPostView(r: PostWithAuthor & { heldVotes?: number }, baseUrl: string) {
  const p = r.post;
  return {
    ...postView(r, baseUrl),
    impact: p.impact,
    confidence: p.confidence,
    ease: p.ease,
    iceScore: p.iceScore,
    moderation: p.moderation,
    flaggedAt: p.flaggedAt,
    heldVotes: r.heldVotes ?? 0,
  };
}

export function commentView(c: CommentRow, authorName: string | null, contributor: unknown) {
  return {
    id: c.id,
    postId: c.postId,
    author: c.authorId ? { id: c.authorId, name: authorName, contributor: Boolean(contributor) } : null,
    team: c.team,
    teamName: c.teamName,
    bodyHtml: c.bodyHtml,
    moderation: c.moderation,
    createdAt: c.createdAt,
  };
}
