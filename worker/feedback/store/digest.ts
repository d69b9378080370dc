// The monthly digest: what it lists, and writing its event and emails once per month.
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import {
  contacts,
  feedbackBoards,
  feedbackEvents,
  feedbackJobRuns,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
} from "../../../db/schema/index.ts";
import { emailStatements } from "../../emails/index.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { digestItem, monthRange } from "../digest.ts";
import { emailsFor, type LoopEvent } from "../notices.ts";

/** The month in review: the ideas that gained most votes in it, and what shipped (moved to done). */
export async function digestOf(db: Db, month: string, baseUrl: string) {
  const { from, to } = monthRange(month);
  const cols = {
    id: feedbackPosts.id,
    title: feedbackPosts.title,
    status: feedbackPosts.status,
    voteCount: feedbackPosts.voteCount,
    boardSlug: feedbackBoards.slug,
  };
  const visible = and(eq(feedbackPosts.moderation, "approved"), eq(feedbackBoards.visibility, "public"));
  const [top, shipped] = await Promise.all([
    db
      .select({ ...cols, gained: sql<number>`count(*)` })
      .from(feedbackVotes)
      .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackVotes.postId))
      .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
      .where(
        and(
          gte(feedbackVotes.createdAt, from),
          lt(feedbackVotes.createdAt, to),
          eq(feedbackVotes.state, "counted"),
          visible,
        ),
      )
      .groupBy(feedbackPosts.id)
      .orderBy(desc(sql`count(*)`), desc(feedbackPosts.voteCount))
      .limit(10),
    db
      .selectDistinct(cols)
      .from(feedbackStatusChanges)
      .innerJoin(feedbackPosts, eq(feedbackPosts.id, feedbackStatusChanges.postId))
      .innerJoin(feedbackBoards, eq(feedbackBoards.id, feedbackPosts.boardId))
      .where(
        and(
          eq(feedbackStatusChanges.toStatus, "done"),
          gte(feedbackStatusChanges.createdAt, from),
          lt(feedbackStatusChanges.createdAt, to),
          eq(feedbackPosts.status, "done"),
          visible,
        ),
      )
      .orderBy(desc(feedbackPosts.voteCount))
      .limit(50),
  ]);
  return {
    month,
    top: top.map((r) => ({ ...digestItem(r, baseUrl), votesThisMonth: Number(r.gained) })),
    shipped: shipped.map((r) => digestItem(r, baseUrl)),
  };
}

/** Whether the month's digest event was written already (what the cron checks before asking). */
export async function digestWritten(db: Db, month: string) {
  return Boolean(await db.query.feedbackJobRuns.findFirst({ where: eq(feedbackJobRuns.key, `digest:${month}`) }));
}

/**
 * Stores the `feedback.monthly_digest` event and queues its email (topic product_updates, key
 * `digest:<month>:<contact>`), once per month; the recipients are the people who voted in that month.
 */
export async function writeDigest(db: Db, month: string, baseUrl: string, now = Date.now()) {
  if (await digestWritten(db, month)) return false;
  const { from, to } = monthRange(month);
  const digest = await digestOf(db, month, baseUrl);
  const voters = await db
    .selectDistinct({ id: contacts.id, email: contacts.email, name: contacts.name })
    .from(feedbackVotes)
    .innerJoin(contacts, eq(contacts.id, feedbackVotes.contactId))
    .where(and(gte(feedbackVotes.createdAt, from), lt(feedbackVotes.createdAt, to)))
    .limit(10_000);
  const event: LoopEvent = {
    key: `digest:${month}`,
    type: "feedback.monthly_digest",
    postId: null,
    payload: { ...digest, url: `${baseUrl.replace(/\/$/, "")}/roadmap/digest/${month}` },
  };
  // The run marker, the stored event and the emails (consent checked by the emails contract) land together.
  await db.batch([
    db
      .insert(feedbackJobRuns)
      .values({ key: `digest:${month}`, createdAt: now })
      .onConflictDoNothing(),
    db
      .insert(feedbackEvents)
      .values({ id: newId("fbe", now), ...event, recipients: voters.map((v) => v.id), createdAt: now })
      .onConflictDoNothing(),
    ...emailStatements(db, emailsFor(event, voters)),
  ]);
  return true;
}
