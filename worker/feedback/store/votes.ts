// Votes: cast, taken back, held in a burst and reviewed; whom a visitor has voted for.
import { and, eq, fillPlaceholders, inArray, sql } from "drizzle-orm";
import {
  contacts,
  feedbackBoards,
  feedbackPosts,
  feedbackVotes,
  type PostStatus,
  type VoteState,
} from "../../../db/schema/index.ts";
import { preparedActivityStatements } from "../../emails/index.ts";
import { type Db, type Query, runBatch } from "../../lib/db.ts";
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

/**
 * A vote as statements for one batch (shared with other requests' writes), and how to read its results.
 * More statements for the same transaction (say, the contact's activity) go after these: `outcome`
 * reads the vote's own results by their place at the start.
 */
export type VoteWrite = { statements: Query[]; outcome: (results: D1Result[]) => VoteOutcome };

/** What a vote's SQL binds: its statements are built once per isolate with these as placeholders. */
type VoteValues = VoteTarget & { id: string; now: number };
const p = {
  id: sql.placeholder("id"),
  postId: sql.placeholder("postId"),
  boardSlug: sql.placeholder("boardSlug"),
  contactId: sql.placeholder("contactId"),
  now: sql.placeholder("now"),
};

/** The post is on that board, approved and not merged: the only kind a visitor may vote on. */
const votable = sql`exists(select 1 from feedback_posts p join feedback_boards b on b.id = p.board_id
  where p.id = ${p.postId} and b.slug = ${p.boardSlug} and p.moderation = 'approved' and p.status <> 'merged')`;

/** This request's vote, if its row went in: the later statements change something only then. */
const mine = sql`(select state from feedback_votes where id = ${p.id})`;

function castStatements(db: Db) {
  const burst = sql`(select count(*) from feedback_votes v join contacts c on c.id = v.contact_id
    where v.post_id = ${p.postId} and v.state = 'counted' and v.created_at > ${p.now} - ${BURST.windowMs}
    and c.first_seen_at > v.created_at - ${BURST.newIdentityMs})`;
  const state = sql<VoteState>`case when ${contacts.firstSeenAt} > ${p.now} - ${BURST.newIdentityMs}
    and ${burst} >= ${BURST.votes} then 'held' else 'counted' end`;
  return [
    db
      .insert(feedbackVotes)
      .select(
        db
          .select({
            id: sql<string>`${p.id}`.as("id"),
            postId: sql<string>`${p.postId}`.as("post_id"),
            contactId: contacts.id,
            state: state.as("state"),
            createdAt: sql<number>`${p.now}`.as("created_at"),
          })
          .from(contacts)
          .where(and(eq(contacts.id, p.contactId), votable)),
      )
      .onConflictDoNothing(),
    // Counted by one, not recounted: the row goes in only in this transaction, so the sum stays exact.
    db
      .update(feedbackPosts)
      .set({
        voteCount: sql`${feedbackPosts.voteCount} + (${mine} = 'counted')`,
        flaggedAt: sql`case when ${mine} = 'held' then coalesce(${feedbackPosts.flaggedAt}, ${p.now}) else ${feedbackPosts.flaggedAt} end`,
        updatedAt: sql`${p.now}`,
      })
      .where(and(eq(feedbackPosts.id, p.postId), sql`${mine} is not null`)),
    bumpBoardBySlug(db, p.boardSlug, sql`${mine} is not null`),
    outcomeQuery(db),
  ];
}

function removeStatements(db: Db) {
  const had = (counted: boolean) =>
    sql`exists(select 1 from feedback_votes where post_id = ${p.postId} and contact_id = ${p.contactId}
      ${counted ? sql`and state = 'counted'` : sql``})`;
  // The count and the version move first, while the row they test for is still there.
  return [
    db
      .update(feedbackPosts)
      .set({ voteCount: sql`${feedbackPosts.voteCount} - 1`, updatedAt: sql`${p.now}` })
      .where(and(eq(feedbackPosts.id, p.postId), votable, had(true))),
    bumpBoardBySlug(db, p.boardSlug, and(votable, had(false))),
    db
      .delete(feedbackVotes)
      .where(and(eq(feedbackVotes.postId, p.postId), eq(feedbackVotes.contactId, p.contactId), votable)),
    outcomeQuery(db),
  ];
}

/** The post as the visitor named it (on that board) and their vote on it, read in the vote's batch. */
function outcomeQuery(db: Db) {
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
    .innerJoin(feedbackBoards, and(eq(feedbackBoards.id, feedbackPosts.boardId), eq(feedbackBoards.slug, p.boardSlug)))
    .leftJoin(feedbackVotes, and(eq(feedbackVotes.postId, feedbackPosts.id), eq(feedbackVotes.contactId, p.contactId)))
    .where(eq(feedbackPosts.id, p.postId));
}

/** The vote statements' SQL, built once per isolate (drizzle's query building is most of a vote's CPU). */
let compiled: { cast: Query[]; remove: Query[] } | undefined;
function bound(db: Db, kind: "cast" | "remove", values: VoteValues): Query[] {
  compiled ??= {
    cast: castStatements(db).map((q) => q.toSQL()),
    remove: removeStatements(db).map((q) => q.toSQL()),
  };
  return compiled[kind].map((q) => ({ sql: q.sql, params: fillPlaceholders(q.params, values) }));
}

let votedActivity: ReturnType<typeof preparedActivityStatements> | undefined;

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
  // On the contact graph in the same transaction, only when this request's vote went in.
  votedActivity ??= preparedActivityStatements(sql`${mine} is not null`);
  const activity = votedActivity(voted(t.postId, t.contactId, t.boardSlug, now), now, { id });
  return {
    statements: [...bound(db, "cast", { ...t, id, now }), ...activity],
    outcome: (r) => outcome(t, r[3], r[0]),
  };
}

/** Taking the visitor's vote back, the same way; taking back no vote writes nothing. */
export function removeVote(db: Db, t: VoteTarget, now = Date.now()): VoteWrite {
  return { statements: bound(db, "remove", { ...t, id: "", now }), outcome: (r) => outcome(t, r[3], r[2]) };
}

type OutcomeRow = {
  id: string;
  board_id: string;
  status: PostStatus;
  moderation: string;
  merged_into_id: string | null;
  vote_count: number;
  state: VoteState | null;
};

/** What the batch's results say: `read` the rows of `outcomeQuery`, `write` the vote row's insert or delete. */
function outcome(t: VoteTarget, read: D1Result, write: D1Result): VoteOutcome {
  const row = (read.results as OutcomeRow[])[0];
  // Other isolates see the new version; this one drops its cached pages of the board at once.
  if (row && write.meta.changes > 0) forgetBoard(row.board_id);
  return {
    post: row
      ? {
          id: row.id,
          boardId: row.board_id,
          status: row.status,
          moderation: row.moderation,
          mergedIntoId: row.merged_into_id,
        }
      : null,
    vote: {
      postId: t.postId,
      voted: Boolean(row?.state),
      state: row?.state ?? null,
      voteCount: Number(row?.vote_count ?? 0),
    },
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
