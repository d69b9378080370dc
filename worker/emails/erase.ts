// GDPR erase: the contact's rows go from D1 at once (the platform's batch), and the archive in R2
// is rewritten without them through the queue (it may hold years of objects). A retention batch
// that archived some of them as the erase ran finds them gone when it prunes and rewrites its
// objects without them.
import { enqueue } from "../lib/queue.ts";
import { dayOf, isoDay } from "../lib/retention.ts";

/** Archive objects one scrub message rewrites before it continues in the next. */
export const SCRUB_OBJECTS_PER_MESSAGE = 40;

/** Queues the rewrite of the archive, from the day of `since` to today, without rows naming any of `needles`. */
export async function queueArchiveScrub(env: { JOBS: Queue }, needles: string[], since: number, now: number) {
  await enqueue(env, {
    kind: "emails.scrub-archive",
    needles: [...new Set(needles.filter(Boolean))].slice(0, 100),
    from: isoDay(dayOf(since)),
    to: isoDay(dayOf(now) + 1),
    cursor: { table: null, after: null },
  });
}
