// GDPR erase: the contact's rows go from D1 at once, and the archive in R2 is rewritten without
// them through the queue (it may hold years of objects), starting a minute later so that rows a
// retention batch was archiving as the erase ran are caught too.
import type { Db } from "../lib/db.ts";
import { enqueue } from "../lib/queue.ts";
import { isoDay } from "../lib/retention.ts";
import { eraseContact } from "./store/contacts.ts";

/** Archive objects one scrub message rewrites before it continues in the next. */
export const SCRUB_OBJECTS_PER_MESSAGE = 40;

/** Erases contact `id` (see eraseContact) and queues the scrub of the archive. */
export async function eraseEverywhere(env: { JOBS: Queue }, db: Db, id: string, now = Date.now()) {
  const { archive, ...erased } = await eraseContact(db, id, now);
  await enqueue(
    env,
    {
      kind: "emails.scrub-archive",
      needles: archive.needles,
      from: isoDay(Math.floor(archive.since / 86_400_000)),
      to: isoDay(Math.floor(now / 86_400_000) + 1),
      cursor: { table: null, after: null },
    },
    { delaySeconds: 60 },
  );
  return erased;
}
