// Votes: cast, taken back, held in a burst and reviewed; whom a visitor has voted for.
import { and, eq, inArray, sql } from "drizzle-orm";
import { contacts, feedbackPosts, feedbackVotes, type VoteState } from "../../../db/schema/index.ts";
import { type Db, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { BURST } from "../limits.ts";
import { bumpBoard } from "./boards.ts";
import { type PostRow, recountVotes } from "./posts.ts";

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

/** Whether `contactId` has a vote (counted or held) on each of `postIds`. */
export async function votedPostIds(db: Db, contactId: string, postIds: string[]): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const rows = await db
    .select({ postId: feedbackVotes.postId })
    .from(feedbackVotes)
    .where(and(eq(feedbackVotes.contactId, contactId), inArray(feedbackVotes.postId, postIds.slice(0, 90))));
  return new Set(rows.map((r) => r.postId));
}
