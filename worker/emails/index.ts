// The contract of emails: what the app, the job registry, other capabilities, seeds and benches
// may use. Nothing else of this folder is imported from outside.
import type { SQL } from "drizzle-orm";
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";
import { consents } from "./consent.ts";
import { queueArchiveScrub } from "./erase.ts";
import { ingest } from "./ingest.ts";
import { kick } from "./kick.ts";
import { AnyCall } from "./schemas.ts";
import { type Activity, activityRow, activityWrites, preparedActivityWrites } from "./store/activity.ts";
import { eraseContactStatements, exportContact } from "./store/contacts.ts";
import { engagement } from "./store/engagement.ts";
import { outboxInserts } from "./store/outbox.ts";
import { holdStatements, type PausingIncident, releaseStatements } from "./store/pause.ts";
import { profileOf } from "./store/profiles.ts";
import { returnedAfter, sentByKeys } from "./store/returns.ts";
import {
  activeCountQuery,
  cohortQuery,
  eventTotalsQuery,
  firstTimeCountQuery,
  membersBeforeQuery,
  type Rollup,
  rebuildRollupStatements,
  rollupsCompleteBefore,
} from "./store/rollups.ts";

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
export function emailStatements(db: Db, emails: OutgoingEmail[], now = Date.now()) {
  return outboxInserts(db, emails, now);
}

export type { Activity } from "./store/activity.ts";

/**
 * Batchable writes recording what known people did in another capability (a vote, a subscription, an
 * NPS answer, a conversion) on the contact graph: events like ingested ones (timeline, KPIs, triggers),
 * once per `key`. Put them in the action's own batch; `when` (SQL run in that batch) limits them to
 * the case the action took effect.
 */
export function activityStatements(db: Db, activities: Activity[], now: number, when?: SQL) {
  return activityWrites(db, activities, now, when);
}

/**
 * `activityStatements` for the hottest writes: the SQL is built once for `when` (which may use
 * placeholders, bound from the last argument) and bound per call.
 */
export function preparedActivityStatements(when: SQL) {
  return preparedActivityWrites(when);
}

/** The `email_events` row `activityStatements` writes for `a`: for seeds that insert in bulk, then aggregate and `rollupRebuild`. */
export function activityEventRow(a: Activity, batchId: string, now: number) {
  return activityRow(a, batchId, now);
}

/** Segment calls validated and written as `POST /v1/batch` does, received at `now` (benchmarks simulate days with it). */
export async function ingestCalls(db: Db, calls: unknown[], now: number): Promise<void> {
  await ingest(
    db,
    calls.map((c) => AnyCall.parse(c)),
    {},
    now,
  );
}

export type { PausingIncident };

/**
 * Batchable writes for the incident's batch: the incident pauses marketing email (once per
 * incident), announced by `marketing.paused` when marketing was not paused already.
 */
export function pauseMarketingFor(db: Db, incident: PausingIncident, now: number) {
  return holdStatements(db, incident, now);
}

/**
 * Batchable writes for the incident's batch: the incident no longer pauses marketing (resolved, or
 * no longer major); when no other incident holds the pause, marketing resumes (`marketing.resumed`).
 */
export function endMarketingPauseFor(db: Db, incidentId: string, now: number) {
  return releaseStatements(db, incidentId, now);
}

/** Asks the queue to deliver whatever is queued and due. Safe to call any number of times. */
export async function kickEmails(env: Env): Promise<void> {
  await kick(env);
}

// What KPIs read, from daily rollups kept when raw rows are pruned: ranges count in whole UTC days
// (a range that starts or ends inside a day takes that whole day).

/** Per contact and event of `events`: how many, and the summed `properties.amount`, on the days of `range`. */
export async function eventTotals(
  db: Db,
  range: Range,
  events: string[],
): Promise<Array<{ contactId: string; event: string; count: number; amount: number }>> {
  return eventTotalsQuery(db, range, events);
}

/**
 * Per daily rollup, the UTC day number (ms / 86400000) before which it holds every raw row, so raw
 * rows of earlier days may be pruned; `Infinity` once its backfill from pre-rollup rows is done.
 */
export async function rollupsComplete(db: Db): Promise<Record<Rollup, number>> {
  return rollupsCompleteBefore(db);
}

/** Statements that rebuild every daily rollup's UTC days [first, end) from the raw rows (for seeds that write raw rows). */
export function rollupRebuild(first: number, end: number): SQL[] {
  return rebuildRollupStatements(first, end);
}

/** Contacts known before `before` (ms): first seen before it, or with an event on an earlier day. */
export async function memberCount(db: Db, before: number): Promise<number> {
  return membersBeforeQuery(db, before);
}

/** How many contacts had an event (of `events`, or any) on the days of `range`. */
export async function activeContactCount(db: Db, range: Range, events?: string[]): Promise<number> {
  return activeCountQuery(db, range, events);
}

/** Of the contacts with an event on the days of `start` (the cohort), how many had one on the days of `end` too. */
export async function activeCohort(db: Db, start: Range, end: Range): Promise<{ cohort: number; retained: number }> {
  return cohortQuery(db, start, end);
}

/** How many contacts did `event` for the first time ever within `range` (to the millisecond). */
export async function firstTimeCount(db: Db, range: Range, event: string): Promise<number> {
  return firstTimeCountQuery(db, range, event);
}

/** Email engagement of the messages sent on the days of `range`: sent, opened, clicked, unsubscribed, the rates. */
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

/** Whether the contact opted in to marketing email (marketing is opt-in). */
export async function hasMarketingConsent(db: Db, contactId: string): Promise<boolean> {
  return consents((await profileOf(db, contactId)) ?? null, "marketing");
}

/** Messages queued under `keys` that were sent: the contact and when (finished messages stay RETENTION_EMAIL_MESSAGES_DAYS). */
export async function sentMessages(
  db: Db,
  keys: string[],
): Promise<Array<{ key: string; contactId: string; sentAt: number }>> {
  return sentByKeys(db, keys);
}

/** Of `people` (contact, time told), those with any event on one of the `days` UTC days after the day they were told. */
export async function cameBackAfter(
  db: Db,
  people: Array<{ contactId: string; at: number }>,
  days: number,
): Promise<Set<string>> {
  return returnedAfter(db, people, days);
}

/**
 * Emails' part of GDPR export (the contact, aliases, accounts, consent, events, messages,
 * suppressions) and erase; the platform gathers every capability's part.
 */
export const emailsGdpr = { exportFor: exportContact, eraseStatements: eraseContactStatements };

/** Queues the rewrite of the R2 archive without rows naming any of `needles`, archived since `since`. */
export async function scrubArchiveLater(env: { JOBS: Queue }, needles: string[], since: number, now: number) {
  await queueArchiveScrub(env, needles, since, now);
}
