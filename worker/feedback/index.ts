// What other capabilities and the platform may use of feedback. Nothing else is imported from outside.

/** Queue message kinds this capability handles (prefix `feedback.`), and its cron tasks. */
export { feedbackCron, feedbackJobs } from "./jobs.ts";
export { feedbackRoutes } from "./routes.ts";

import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { listContributors } from "./contributors.ts";
import { feedbackImplementation as implementation } from "./implementation.ts";

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
