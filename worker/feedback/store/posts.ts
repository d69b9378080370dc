// Posts: the pages and searches that list them, one post, and the writes that change one.
import { type AnyColumn, and, count, desc, eq, gt, isNotNull, isNull, ne, type SQL, sql } from "drizzle-orm";
import {
  contacts,
  feedbackBoards,
  type feedbackComments,
  feedbackPosts,
  feedbackVotes,
  type PostStatus,
} from "../../../db/schema/index.ts";
import { activityStatements } from "../../emails/index.ts";
import { changesOf, type Db, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { renderMarkdown } from "../markdown.ts";
import { ftsQuery } from "../search.ts";
import { authored } from "./activity.ts";
import { type Board, bumpBoard } from "./boards.ts";
import { categoryOfBoard } from "./categories.ts";

export type PostRow = typeof feedbackPosts.$inferSelect;
export type CommentRow = typeof feedbackComments.$inferSelect;
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
  categoryName: sql<
    string | null
  >`(select fc.name from feedback_categories fc where fc.id = ${feedbackPosts.categoryId})`,
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

export type ListOptions = {
  boardId?: string;
  sort: Sort;
  status?: PostStatus;
  tag?: string;
  /** A category id, or `none` for posts without one. */
  category?: string;
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
    o.category === "none"
      ? isNull(feedbackPosts.categoryId)
      : o.category
        ? eq(feedbackPosts.categoryId, o.category)
        : undefined,
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

/** Posts `authorId` created after `since` (the hourly cap on a visitor's posts). */
export async function countPostsSince(db: Db, authorId: string, since: number) {
  const [recent] = await db
    .select({ n: count() })
    .from(feedbackPosts)
    .where(and(eq(feedbackPosts.authorId, authorId), gt(feedbackPosts.createdAt, since)));
  return recent.n;
}

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

export async function createPost(
  db: Db,
  board: Board,
  input: {
    title: string;
    body: string;
    tags: string[];
    categoryId?: string | null;
    authorId: string | null;
    trusted: boolean;
  },
  now = Date.now(),
) {
  if (input.categoryId) await categoryOfBoard(db, board.id, input.categoryId);
  const row: typeof feedbackPosts.$inferInsert = {
    id: newId("fbp", now),
    boardId: board.id,
    title: input.title,
    body: input.body,
    bodyHtml: renderMarkdown(input.body),
    authorId: input.authorId,
    tags: input.tags,
    categoryId: input.categoryId ?? null,
    moderation: board.moderated && !input.trusted ? "pending" : "approved",
    createdAt: now,
    updatedAt: now,
  };
  const [[post]] = await runBatch(db, [
    db.insert(feedbackPosts).values(row).returning(),
    emit(
      db,
      "post.created",
      {
        post: {
          id: row.id,
          board: board.slug,
          title: row.title,
          body: row.body,
          tags: row.tags,
          categoryId: row.categoryId,
          authorId: row.authorId,
          moderation: row.moderation,
        },
      },
      now,
    ),
    bumpBoard(db, board.id),
    ...activityStatements(db, authored("feedback_post", row.id, row.authorId, now, { board: board.slug }), now),
  ]);
  return post as PostRow;
}

export async function updatePost(
  db: Db,
  post: PostRow,
  input: {
    title?: string;
    body?: string;
    tags?: string[];
    categoryId?: string | null;
    impact?: number | null;
    confidence?: number | null;
    ease?: number | null;
  },
  now = Date.now(),
) {
  if (!changesOf(input)) return post;
  if (input.categoryId && input.categoryId !== post.categoryId)
    await categoryOfBoard(db, post.boardId, input.categoryId);
  const impact = input.impact === undefined ? post.impact : input.impact;
  const confidence = input.confidence === undefined ? post.confidence : input.confidence;
  const ease = input.ease === undefined ? post.ease : input.ease;
  const [[row]] = await runBatch(db, [
    db
      .update(feedbackPosts)
      .set({
        ...input,
        ...(input.body !== undefined ? { bodyHtml: renderMarkdown(input.body) } : {}),
        iceScore: impact && confidence && ease ? impact * confidence * ease : null,
        updatedAt: now,
      })
      .where(eq(feedbackPosts.id, post.id))
      .returning(),
    bumpBoard(db, post.boardId),
  ]);
  return row as PostRow;
}

export async function moderatePost(db: Db, post: PostRow, action: "approve" | "reject", now = Date.now()) {
  const [[row]] = await runBatch(db, [
    db
      .update(feedbackPosts)
      .set({ moderation: action === "approve" ? "approved" : "rejected", updatedAt: now })
      .where(eq(feedbackPosts.id, post.id))
      .returning(),
    bumpBoard(db, post.boardId),
  ]);
  return row as PostRow;
}

export async function deletePost(db: Db, post: PostRow) {
  await runBatch(db, [
    // Duplicates merged into it stay merged but point nowhere: clear the link.
    db.update(feedbackPosts).set({ mergedIntoId: null }).where(eq(feedbackPosts.mergedIntoId, post.id)),
    db.delete(feedbackPosts).where(eq(feedbackPosts.id, post.id)),
    bumpBoard(db, post.boardId),
  ]);
}
