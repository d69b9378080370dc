import { type AnyColumn, and, desc, eq, inArray, isNull, ne, type SQL, sql } from "drizzle-orm";
import {
  contacts,
  feedbackBoards,
  feedbackComments,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
  type PostStatus,
} from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { notFound } from "../lib/problem.ts";

export type PostRow = typeof feedbackPosts.$inferSelect;
export type Sort = "trending" | "top" | "new" | "status" | "ice";

/** Rank used by the `status` sort: work in motion first, closed last. */
const STATUS_RANK = sql`(case ${feedbackPosts.status} when 'in_progress' then 5 when 'planned' then 4 when 'under_review' then 3 when 'done' then 2 when 'declined' then 1 else 0 end)`;

/** The single value each sort orders by (descending), so one keyset cursor shape serves all. */
const SORT_KEY: Record<Sort, SQL> = {
  trending: sql`${feedbackPosts.trendingScore}`,
  top: sql`${feedbackPosts.voteCount}`,
  new: sql`${feedbackPosts.createdAt}`,
  status: sql`(${STATUS_RANK} * 1000000000 + ${feedbackPosts.voteCount})`,
  ice: sql`coalesce(${feedbackPosts.iceScore}, -1)`,
};

/** Whether a contact has had an idea delivered: the contributor badge. */
export const contributorSql = (authorId: SQL | AnyColumn) =>
  sql<number>`exists(select 1 from feedback_posts d where d.author_id = ${authorId} and d.status = 'done')`;

export const postSelect = {
  post: feedbackPosts,
  boardSlug: feedbackBoards.slug,
  authorName: contacts.name,
  contributor: contributorSql(feedbackPosts.authorId),
  sortKey: sql<number>`0`,
};

type Cursor = { k: number; id: string };
const encodeCursor = (c: Cursor) => btoa(JSON.stringify(c)).replace(/=+$/, "");
function decodeCursor(s: string): Cursor | null {
  try {
    const c = JSON.parse(atob(s)) as Cursor;
    return typeof c.k === "number" && typeof c.id === "string" ? c : null;
  } catch {
    return null;
  }
}

/** FTS5 query from free text: every word as a quoted prefix term, so no user input is FTS syntax. */
export function ftsQuery(text: string, join: "AND" | "OR" = "AND"): string | null {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
  return words.length ? words.map((w) => `"${w}"*`).join(` ${join} `) : null;
}

export type ListOptions = {
  boardId?: string;
  sort: Sort;
  status?: PostStatus;
  tag?: string;
  q?: string;
  moderation?: "pending" | "approved" | "rejected";
  limit: number;
  cursor?: string;
};

/** A page of posts. Public callers pass moderation `approved`; merged posts only show when asked for. */
export async function listPosts(db: Db, o: ListOptions) {
  const key = SORT_KEY[o.sort];
  const cursor = o.cursor ? decodeCursor(o.cursor) : null;
  const fts = o.q ? ftsQuery(o.q) : null;
  const where = and(
    o.boardId ? eq(feedbackPosts.boardId, o.boardId) : undefined,
    o.status ? eq(feedbackPosts.status, o.status) : ne(feedbackPosts.status, "merged"),
    o.moderation ? eq(feedbackPosts.moderation, o.moderation) : undefined,
    o.tag ? sql`exists(select 1 from json_each(${feedbackPosts.tags}) where value = ${o.tag})` : undefined,
    o.q
      ? fts
        ? sql`feedback_posts.rowid in (select rowid from feedback_posts_fts where feedback_posts_fts match ${fts})`
        : sql`0`
      : undefined,
    cursor ? sql`(${key} < ${cursor.k} or (${key} = ${cursor.k} and ${feedbackPosts.id} < ${cursor.id}))` : undefined,
  );
  const rows = await db
    .select({ ...postSelect, sortKey: sql<number>`${key}` })
    .from(feedbackPosts)
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
    .leftJoin(contacts, eq(contacts.id, feedbackPosts.authorId))
    .where(where)
    .orderBy(sql`${key} desc`, desc(feedbackPosts.id))
    .limit(o.limit + 1);
  const data = rows.slice(0, o.limit);
  const last = data[data.length - 1];
  return {
    data,
    nextCursor: rows.length > o.limit && last ? encodeCursor({ k: Number(last.sortKey), id: last.post.id }) : null,
  };
}

export type PostWithAuthor = {
  post: PostRow;
  boardSlug: string;
  authorName: string | null;
  contributor: number | boolean;
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
    status: p.status,
    voteCount: p.voteCount,
    commentCount: p.commentCount,
    trendingScore: p.trendingScore,
    mergedIntoId: p.mergedIntoId,
    statusChangedAt: p.statusChangedAt,
    createdAt: p.createdAt,
    url: `${baseUrl.replace(/\/$/, "")}/feedback/${r.boardSlug}/${p.id}`,
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

/** `postSelect` plus what only the team sees. */
export const adminPostSelect = {
  ...postSelect,
  heldVotes: sql<number>`(select count(*) from feedback_votes v where v.post_id = ${feedbackPosts.id} and v.state = 'held')`,
};

export async function getPost(db: Db, id: string) {
  const [row] = await db
    .select(adminPostSelect)
    .from(feedbackPosts)
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
    .leftJoin(contacts, eq(contacts.id, feedbackPosts.authorId))
    .where(eq(feedbackPosts.id, id));
  return row ?? null;
}

export async function getPostOrThrow(db: Db, id: string) {
  const row = await getPost(db, id);
  if (!row) throw notFound("No such post");
  return row;
}

export function postTimeline(db: Db, postId: string) {
  return db
    .select()
    .from(feedbackStatusChanges)
    .where(eq(feedbackStatusChanges.postId, postId))
    .orderBy(feedbackStatusChanges.createdAt, feedbackStatusChanges.id);
}

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

export function commentView(c: typeof feedbackComments.$inferSelect, authorName: string | null, contributor: unknown) {
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

/** Whether `contactId` has a vote (counted or held) on each of `postIds`. */
export async function votedPostIds(db: Db, contactId: string, postIds: string[]): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const rows = await db
    .select({ postId: feedbackVotes.postId })
    .from(feedbackVotes)
    .where(and(eq(feedbackVotes.contactId, contactId), inArray(feedbackVotes.postId, postIds.slice(0, 90))));
  return new Set(rows.map((r) => r.postId));
}

/** Titles similar to `q` (typing-ahead while a visitor writes a new post), best match first. */
export async function similarPosts(db: Db, boardId: string, q: string, limit: number) {
  const fts = ftsQuery(q, "OR");
  if (!fts) return [];
  return db
    .select({ post: feedbackPosts, boardSlug: feedbackBoards.slug })
    .from(sql`feedback_posts_fts`)
    .innerJoin(feedbackPosts, sql`${feedbackPosts}.rowid = feedback_posts_fts.rowid`)
    .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
    .where(
      and(
        sql`feedback_posts_fts match ${fts}`,
        eq(feedbackPosts.boardId, boardId),
        eq(feedbackPosts.moderation, "approved"),
        ne(feedbackPosts.status, "merged"),
      ),
    )
    .orderBy(sql`bm25(feedback_posts_fts, 3.0, 1.0)`)
    .limit(limit);
}

/** Batchable recount of a post's counted votes (the stored count never drifts from the rows). */
/** Batchable: the post's counted votes, again; `when` limits it to a batch that changed a vote. */
export function recountVotes(db: Db, postId: string, now: number, opts: { when?: SQL; flaggedAt?: SQL } = {}) {
  return db
    .update(feedbackPosts)
    .set({
      voteCount: sql`(select count(*) from feedback_votes v where v.post_id = ${postId} and v.state = 'counted')`,
      updatedAt: now,
      ...(opts.flaggedAt ? { flaggedAt: opts.flaggedAt } : {}),
    })
    .where(and(eq(feedbackPosts.id, postId), opts.when));
}

export function recountComments(db: Db, postId: string) {
  return db
    .update(feedbackPosts)
    .set({
      commentCount: sql`(select count(*) from feedback_comments c where c.post_id = ${postId} and c.moderation = 'approved')`,
    })
    .where(eq(feedbackPosts.id, postId));
}

/** Contacts with a counted vote on the post, plus its author: who hears about a change. */
export async function followers(db: Db, post: PostRow) {
  const voters = await db
    .select({ id: contacts.id, email: contacts.email, name: contacts.name })
    .from(feedbackVotes)
    .innerJoin(contacts, eq(contacts.id, feedbackVotes.contactId))
    .where(and(eq(feedbackVotes.postId, post.id), eq(feedbackVotes.state, "counted")));
  const author =
    post.authorId && !voters.some((v) => v.id === post.authorId)
      ? await db.query.contacts.findFirst({ where: eq(contacts.id, post.authorId) })
      : undefined;
  return author ? [...voters, { id: author.id, email: author.email, name: author.name }] : voters;
}

export const unmerged = isNull(feedbackPosts.mergedIntoId);
