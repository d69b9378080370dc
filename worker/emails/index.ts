// The contract of emails: what the app, the job registry, other capabilities, seeds and benches
// may use. Nothing else of this folder is imported from outside.
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { kick } from "./kick.ts";
import { engagement } from "./store/engagement.ts";
import { activeContactIdsQuery, eventFactsQuery } from "./store/events.ts";
import { outboxInserts } from "./store/outbox.ts";

/** One day in milliseconds: churn and absence count whole days of it. */
export { DAY } from "./churn.ts";
/** How far behind now trigger evaluation reads (rows younger may still be committing). */
export { EVAL_LAG_MS } from "./evaluate.ts";
/** Marketing emails per contact per rolling week (EMAIL_WEEKLY_CAP, default 3). */
export { weeklyCap } from "./policy.ts";

/** A message another capability wants sent (status notices, feedback loop, KPI alerts). */
export type OutgoingEmail = {
  to: string;
  /** The contact it is for, when known: consent and caps are checked against it. */
  contactId?: string;
  subject: string;
  html: string;
  text: string;
  /** Consent topic. `transactional` ignores marketing consent, caps and incident pauses. */
  topic: "marketing" | "product_updates" | "status_notifications" | "transactional";
  /** Unique per message: a second call with the same key sends nothing more. */
  idempotencyKey: string;
};

/**
 * Batchable writes that queue `emails` for delivery: include them in the caller's batch (one
 * transaction), then call `kickEmails(env)`.
 */
export function emailStatements(db: Db, emails: OutgoingEmail[]) {
  return outboxInserts(db, emails);
}

/** Asks the queue to deliver whatever is queued and due. Safe to call any number of times. */
export async function kickEmails(env: Env): Promise<void> {
  await kick(env);
}

/** Per-contact counts and summed `properties.amount` of `event` in `range` (for CLV, repeat purchase). */
export async function eventFacts(
  db: Db,
  q: Range & { event: string },
): Promise<Array<{ contactId: string; count: number; amount: number }>> {
  return eventFactsQuery(db, q);
}

/** Contacts with at least one event (of `events`, or any) in `range`. */
export async function activeContactIds(db: Db, q: Range & { events?: string[] }): Promise<string[]> {
  return activeContactIdsQuery(db, q);
}

/** Email engagement in `range`: sent, opened, clicked, unsubscribed, and the rates. */
export async function emailEngagement(
  db: Db,
  range: Range,
): Promise<{
  sent: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  openRate: number | null;
  clickRate: number | null;
}> {
  return engagement(db, range);
}
