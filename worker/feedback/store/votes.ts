// Votes: cast, taken back, held in a burst and reviewed; whom a visitor has voted for.
import { and, eq, inArray, sql } from "drizzle-orm";
import {
  contacts,
  feedbackBoards,
  feedbackPosts,
  feedbackVotes,
  type PostStatus,
  type VoteState,
} from "../../../db/schema/index.ts";
import { activityStatements } from "../../emails/index.ts";
import { type Db, runBatch, type Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { BURST } from "../limits.ts";
import { forgetBoard } from "../page-cache.ts";
import { voted } from "./activity.ts";
import { bumpBoard, bumpBoardBySlug } from "./boards.ts";
import { type PostRow, recountVotes } from "./posts.ts";

/** Whose vote on which post: the post as the visitor named it, under the board in the path. */
export type VoteTarget = { boardSlug: string; postId: string; contactId: string };

/** What a vote batch found: the post (null when the board has no such post) and the visitor's vote. */
export type VoteOutcome = {
  post: { id: string; boardId: string; status: PostStatus; moderation: string; mergedIntoId: string | null } | null;
  vote: { postId: string; voted: boolean; state: VoteState | null; voteCount: number };
};

/** A vote as statements for one batch (shared with other requests' writes), and how to read its results. */
export type VoteWrite = { statements: Statement[]; outcome: (results: unknown[]) => VoteOutcome };

/** The post is on that board, approved and not merged: the only kind a visitor may vote on. */
const votable = (t: VoteTarget) => sql`exists(select 1 from feedback_posts p join feedback_boards b on b.id = p.board_id
  where p.id = ${t.postId} and b.slug = ${t.boardSlug} and p.moderation = 'approved' and p.status <> 'merged')`;

/**
 * The visitor's vote as statements for one batch (one round trip, one transaction) that checks the
 * post, writes the vote, counts it, bumps the board's version and answers. Idempotent: the unique index
 * makes a second vote a no-op that writes nothing. A vote from a new identity while the post already
 * has `BURST.votes` counted votes from new identities in the last hour is stored as `held`: not
 * counted until reviewed. The rule is decided inside the INSERT itself, so parallel votes cannot all
 * read "below the limit": D1 runs one statement at a time.
 */
export function castVote(db: Db, t: VoteTarget, now = Date.now()): VoteWrite {
  const id = newId("fbv", now);
  const burst = sql`(select count(*) from feedback_votes v join contacts c on c.id = v.contact_id
    where v.post_id = ${t.postId} and v.state = 'counted' and v.created_at > ${now - BURST.windowMs}
    and c.first_seen_at > v.created_at - ${BURST.newIdentityMs})`;
  const state = sql<VoteState>`case when ${contacts.firstSeenAt} > ${now - BURST.newIdentityMs}
    and ${burst} >= ${BURST.votes} then 'held' else 'counted' end`;
  // This request's vote, if its row went in: the later statements change something only then.
  const mine = sql`(select state from feedback_votes where id = ${id})`;
  const statements = [
    db
      .insert(feedbackVotes)
      .select(
        db
          .select({
            id: sql<string>`${id}`.as("id"),
            postId: sql<string>`${t.postId}`.as("post_id"),
            contactId: contacts.id,
            state: state.as("state"),
            createdAt: sql<number>`${now}`.as("created_at"),
          })
          .from(contacts)
          .where(and(eq(contacts.id, t.contactId), votable(t))),
      )
      .onConflictDoNothing()
      .returning({ id: feedbackVotes.id }),
    // Counted by one, not recounted: the row goes in only in this transaction, so the sum stays exact.
    db
      .update(feedbackPosts)
      .set({
        voteCount: sql`${feedbackPosts.voteCount} + (${mine} = 'counted')`,
        flaggedAt: sql`case when ${mine} = 'held' then coalesce(${feedbackPosts.flaggedAt}, ${now}) else ${feedbackPosts.flaggedAt} end`,
        updatedAt: now,
      })
      .where(and(eq(feedbackPosts.id, t.postId), sql`${mine} is not null`)),
    bumpBoardBySlug(db, t.boardSlug, sql`${mine} is not null`),
    outcomeQuery(db, t),
    // On the contact graph in the same transaction, only when this request's vote went in.
    ...activityStatements(db, voted(t.postId, t.contactId, t.boardSlug, now), now, sql`${mine} is not null`),
  ] as const;
  return { statements: [...statements], outcome: (r) => outcome(t, r[3], r[0]) };
}

/** Taking the visitor's vote back, the same way; taking back no vote writes nothing. */
export function removeVote(db: Db, t: VoteTarget, now = Date.now()): VoteWrite {
  const mine = and(eq(feedbackVotes.postId, t.postId), eq(feedbackVotes.contactId, t.contactId));
  const had = (counted: boolean) =>
    sql`exists(select 1 from feedback_votes where post_id = ${t.postId} and contact_id = ${t.contactId}
      ${counted ? sql`and state = 'counted'` : sql``})`;
  // The count and the version move first, while the row they test for is still there.
  const statements = [
    db
      .update(feedbackPosts)
      .set({ voteCount: sql`${feedbackPosts.voteCount} - 1`, updatedAt: now })
      .where(and(eq(feedbackPosts.id, t.postId), votable(t), had(true))),
    bumpBoardBySlug(db, t.boardSlug, and(votable(t), had(false))),
    db
      .delete(feedbackVotes)
      .where(and(mine, votable(t)))
      .returning({ id: feedbackVotes.id }),
    outcomeQuery(db, t),
  ] as const;
  return { statements: [...statements], outcome: (r) => outcome(t, r[3], r[2]) };
}

/** The post as the visitor named it (on that board) and their vote on it, read in the vote's batch. */
function outcomeQuery(db: Db, t: VoteTarget) {
  return db
    .select({
      id: feedbackPosts.id,
      boardId: feedbackPosts.boardId,
      status: feedbackPosts.status,
      moderation: feedbackPosts.moderation,
      mergedIntoId: feedbackPosts.mergedIntoId,
      voteCount: feedbackPosts.voteCount,
      state: feedbackVotes.state,
    })
    .from(feedbackPosts)
    .innerJoin(feedbackBoards, and(eq(feedbackBoards.id, feedbackPosts.boardId), eq(feedbackBoards.slug, t.boardSlug)))
    .leftJoin(feedbackVotes, and(eq(feedbackVotes.postId, feedbackPosts.id), eq(feedbackVotes.contactId, t.contactId)))
    .where(eq(feedbackPosts.id, t.postId));
}

/** What the batch's results say: `rows` of `outcomeQuery`, `changed` the rows the write returned. */
function outcome(t: VoteTarget, rows: unknown, changed: unknown): VoteOutcome {
  const [row] = rows as Awaited<ReturnType<typeof outcomeQuery>>;
  // Other isolates see the new version; this one drops its cached pages of the board at once.
  if (row && (changed as unknown[]).length > 0) forgetBoard(row.boardId);
  const { state = null, voteCount = 0, ...post } = row ?? {};
  return {
    post: row ? (post as NonNullable<VoteOutcome["post"]>) : null,
    vote: { postId: t.postId, voted: Boolean(state), state, voteCount: Number(voteCount) },
  };
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

/** Whether `contactId` has a vote (counted or held) on each of `postIds`. */
export async function votedPostIds(db: Db, contactId: string, postIds: string[]): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const rows = await db
    .select({ postId: feedbackVotes.postId })
    .from(feedbackVotes)
    .where(and(eq(feedbackVotes.contactId, contactId), inArray(feedbackVotes.postId, postIds.slice(0, 90))));
  return new Set(rows.map((r) => r.postId));
}
