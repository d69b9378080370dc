// What other capabilities, the platform and the seed may use of feedback. Nothing else is imported from outside.
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { listContributors } from "./store/contributors.ts";
import { eraseFeedbackStatements, exportFeedbackData } from "./store/gdpr.ts";
import { feedbackImplementation as implementation } from "./store/implementation.ts";
import { shippedVoters } from "./store/told.ts";

/** Markdown to safe HTML, as posts and comments store it (the seed writes bodies with it). */
export { renderMarkdown } from "./markdown.ts";
/** A post's or comment's and a vote's activity on the contact graph, as the boards record it (the seed writes the same). */
export { authored as authoredActivity, voted as voteActivity } from "./store/activity.ts";
/** The trending run of one slot (the seed runs it so the demo boards sort by trending). */
export { recomputeTrending } from "./store/trending.ts";
/** The length of one trending slot: the cron asks once a slot. */
export { TRENDING_SLOT_MS } from "./trending.ts";

/**
 * Feedback-Implementation Ratio over `range` (contract for the kpis capability):
 * count form = posts moved to done / new posts received (duplicates and declined spam excluded);
 * vote-weighted = votes on delivered posts / votes on delivered + open posts.
 */
export async function feedbackImplementation(
  db: Db,
  range: Range,
): Promise<{
  done: number;
  received: number;
  ratio: number | null;
  deliveredVotes: number;
  openVotes: number;
  voteWeighted: number | null;
}> {
  return implementation(db, range);
}

/**
 * Contributors among `contactIds`: people whose idea reached `done` (the badge on their posts),
 * for the referral capability or the host app to reward.
 */
export async function feedbackContributors(db: Db, contactIds: string[]) {
  if (!contactIds.length) return [];
  return (await listContributors(db, { limit: 100, contactIds })).data;
}

/**
 * Ideas shipped in `range` (moved to done in it, and done still), how many people their "now done"
 * notice was for (voters and the author), and each person it was sent to with the time it was sent
 * (copied hourly from the outbox and kept for good).
 */
export async function shippedIdeaNotices(
  db: Db,
  range: Range,
): Promise<{ ideas: number; voters: number; told: Array<{ contactId: string; at: number }> }> {
  return shippedVoters(db, range);
}

/** Feedback's part of GDPR export and erase (the platform gathers every capability's part). */
export const feedbackGdpr = { exportFor: exportFeedbackData, eraseStatements: eraseFeedbackStatements };
