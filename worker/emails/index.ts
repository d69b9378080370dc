// What other capabilities and the platform may use of emails. Nothing else is imported from outside.
import type { Db } from "../lib/db.ts";
import { engagement } from "./engagement.ts";
import { activeContactIdsQuery, eventFactsQuery } from "./facts.ts";
import { kick, outboxInserts } from "./outbox.ts";

/** A day in ms, and how long trigger evaluation lets recent rows settle: for the emails benchmark. */
export { DAY } from "./churn.ts";
export { EVAL_LAG_MS } from "./evaluate.ts";
/** Queue message kinds this capability handles (prefix `emails.`), and its cron tasks. */
export { emailsCron, emailsJobs } from "./jobs.ts";
export { emailsRoutes } from "./routes.ts";

import type { Range } from "../lib/range.ts";

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
 * Batchable writes that queue `emails` for delivery: include them in the caller's db.batch(),
 * then call `kickEmails(env)`. (Contract for other capabilities; implemented by emails.)
 */
export function emailStatements(db: Db, emails: OutgoingEmail[]) {
  return outboxInserts(
    db,
    emails.map((e) => ({ ...e, to: e.to, contactId: e.contactId ?? null })),
  );
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
