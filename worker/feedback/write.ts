// Every change to posts, votes and comments: each is one db.batch() with its webhook and events.
import { and, eq, sql } from "drizzle-orm";
import {
  contacts,
  feedbackComments,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
  type PostStatus,
  type VoteState,
} from "../../db/schema/index.ts";
import { changesOf, type Db, runBatch } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { conflict, Problem } from "../lib/problem.ts";
import { emit } from "../lib/webhooks.ts";
import type { Board } from "./boards.ts";
import { bumpBoard } from "./boards.ts";
import { renderMarkdown } from "./markdown.ts";
import { noticeStatements } from "./notify.ts";
import { followers, type PostRow, recountComments, recountVotes } from "./posts.ts";

const postUrl = (baseUrl: string, boardSlug: string, postId: string) =>
  `${baseUrl.replace(/\/$/, "")}/feedback/${boardSlug}/${postId}`;

export async function createPost(
  db: Db,
  board: Board,
  input: { title: string; body: string; tags: string[]; authorId: string | null; trusted: boolean },
  now = Date.now(),
) {
  const row: typeof feedbackPosts.$inferInsert = {
    id: newId("fbp", now),
    boardId: board.id,
    title: input.title,
    body: input.body,
    bodyHtml: renderMarkdown(input.body),
    authorId: input.authorId,
    tags: input.tags,
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
          authorId: row.authorId,
          moderation: row.moderation,
        },
      },
      now,
    ),
    bumpBoard(db, board.id),
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
    impact?: number | null;
    confidence?: number | null;
    ease?: number | null;
  },
  now = Date.now(),
) {
  if (!changesOf(input)) return post;
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

/** A vote in a burst: this many votes in the last hour on one post from identities first seen within a day. */
export const BURST = { votes: 10, windowMs: 60 * 60_000, newIdentityMs: 24 * 60 * 60_000 };

/**
 * Casts the visitor's vote (idempotent: the unique index makes a second vote a no-op) in one batch
 * that also answers with the vote's state. A vote from a new identity while the post already has
 * `BURST.votes` counted votes from new identities in the last hour is stored as `held`: not
 * counted until reviewed. The rule is decided inside the INSERT itself, so parallel votes cannot
 * all read "below the limit": D1 runs one statement at a time.
 */
export async function castVote(db: Db, post: PostRow, contactId: string, now = Date.now()) {
  const id = newId("fbv", now);
  const burst = sql`(select count(*) from feedback_votes v join contacts c on c.id = v.contact_id
    where v.post_id = ${post.id} and v.state = 'counted' and v.created_at > ${now - BURST.windowMs}
    and c.first_seen_at > v.created_at - ${BURST.newIdentityMs})`;
  const state = sql<VoteState>`case when ${contacts.firstSeenAt} > ${now - BURST.newIdentityMs}
    and ${burst} >= ${BURST.votes} then 'held' else 'counted' end`;
  // The later statements change something only when this request's row went in.
  const inserted = sql`exists(select 1 from feedback_votes where id = ${id})`;
  const held = sql`exists(select 1 from feedback_votes where id = ${id} and state = 'held')`;
  const [, , , [row]] = await runBatch(db, [
    db
      .insert(feedbackVotes)
      .select(
        db
          .select({
            id: sql<string>`${id}`.as("id"),
            postId: sql<string>`${post.id}`.as("post_id"),
            contactId: contacts.id,
            state: state.as("state"),
            createdAt: sql<number>`${now}`.as("created_at"),
          })
          .from(contacts)
          .where(eq(contacts.id, contactId)),
      )
      .onConflictDoNothing(),
    recountVotes(db, post.id, now, {
      when: inserted,
      flaggedAt: sql`case when ${held} then coalesce(${feedbackPosts.flaggedAt}, ${now}) else ${feedbackPosts.flaggedAt} end`,
    }),
    bumpBoard(db, post.boardId, inserted),
    voteStateQuery(db, post.id, contactId),
  ]);
  return voteView(post.id, row);
}

export async function removeVote(db: Db, post: PostRow, contactId: string, now = Date.now()) {
  const before = voteView(post.id, (await voteStateQuery(db, post.id, contactId))[0]);
  if (!before.voted) return before;
  const [, [after]] = await runBatch(db, [
    db.delete(feedbackVotes).where(and(eq(feedbackVotes.postId, post.id), eq(feedbackVotes.contactId, contactId))),
    recountVotes(db, post.id, now).returning({ voteCount: feedbackPosts.voteCount }),
    bumpBoard(db, post.boardId),
  ]);
  return { postId: post.id, voted: false, state: null, voteCount: Number(after?.voteCount ?? 0) };
}

function voteStateQuery(db: Db, postId: string, contactId: string) {
  return db
    .select({
      state: feedbackVotes.state,
      voteCount: sql<number>`(select vote_count from feedback_posts where id = ${postId})`,
    })
    .from(sql`(select 1)`)
    .leftJoin(feedbackVotes, and(eq(feedbackVotes.postId, postId), eq(feedbackVotes.contactId, contactId)));
}

function voteView(postId: string, row: { state: VoteState | null; voteCount: number } | undefined) {
  return { postId, voted: Boolean(row?.state), state: row?.state ?? null, voteCount: Number(row?.voteCount ?? 0) };
}

/** Review of held votes: approve counts them, reject removes them; either clears the flag. */
export async function reviewHeldVotes(db: Db, post: PostRow, action: "approve" | "reject", now = Date.now()) {
  const held = and(eq(feedbackVotes.postId, post.id), eq(feedbackVotes.state, "held"));
  await runBatch(db, [
    action === "approve"
      ? db.update(feedbackVotes).set({ state: "counted" }).where(held)
      : db.delete(feedbackVotes).where(held),
    recountVotes(db, post.id, now),
    db.update(feedbackPosts).set({ flaggedAt: null }).where(eq(feedbackPosts.id, post.id)),
    bumpBoard(db, post.boardId),
  ]);
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
  ]);
  return comment as typeof feedbackComments.$inferSelect;
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
  return row as typeof feedbackComments.$inferSelect;
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
