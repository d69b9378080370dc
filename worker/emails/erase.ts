// GDPR erase: the contact's rows go from D1 at once, and the archive in R2 is rewritten without
// them through the queue (it may hold years of objects). A retention batch that archived some of
// them as the erase ran finds them gone when it prunes and rewrites its objects without them.
import type { Db } from "../lib/db.ts";
import { enqueue } from "../lib/queue.ts";
import { dayOf, isoDay } from "../lib/retention.ts";
import { eraseContact } from "./store/contacts.ts";

/** Archive objects one scrub message rewrites before it continues in the next. */
export const SCRUB_OBJECTS_PER_MESSAGE = 40;

/** Erases contact `id` (see eraseContact) and queues the scrub of the archive. */
export async function eraseEverywhere(env: { JOBS: Queue }, db: Db, id: string, now = Date.now()) {
  const { archive, ...erased } = await eraseContact(db, id, now);
  await enqueue(env, {
    kind: "emails.scrub-archive",
    needles: archive.needles,
    from: isoDay(dayOf(archive.since)),
    to: isoDay(dayOf(now) + 1),
    cursor: { table: null, after: null },
  });
  return erased;
}
