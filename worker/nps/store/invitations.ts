// Survey invitations: each contact is emailed a survey at most once.
import { and, eq } from "drizzle-orm";
import { npsInvitations } from "../../../db/schema/index.ts";
import { emailStatements } from "../../emails/index.ts";
import { type Db, inJson, insertChunks, runBatch } from "../../lib/db.ts";
import { chooseInvitees, surveyEmail } from "../invitations.ts";
import { npsLinks } from "../links.ts";
import type { Segment } from "../schemas.ts";
import { audienceIds, countAudience } from "./audience.ts";
import { contactEmails } from "./contacts.ts";
import { openSurvey } from "./surveys.ts";

/**
 * Emails the survey to `contactIds`: each contact is invited at most once per survey (the
 * invitation row and its queued email are written in one batch). Returns who was invited now
 * and why the others were not.
 */
export async function inviteContacts(
  db: Db,
  env: Pick<Env, "PUBLIC_URL" | "SIGNING_SECRET">,
  surveyId: string,
  contactIds: string[],
  now = Date.now(),
) {
  const survey = await openSurvey(db, surveyId);
  const ids = [...new Set(contactIds)];
  const [people, already] = await Promise.all([
    contactEmails(db, ids),
    db
      .select({ contactId: npsInvitations.contactId })
      .from(npsInvitations)
      .where(and(eq(npsInvitations.surveyId, surveyId), inJson(npsInvitations.contactId, ids))),
  ]);
  const { invite, skipped } = chooseInvitees(ids, people, already);
  if (invite.length) {
    const emails = await Promise.all(
      invite.map(async (c) => surveyEmail(survey, c, await npsLinks(env, surveyId, c.id))),
    );
    const rows = invite.map((c) => ({ surveyId, contactId: c.id, sentAt: now }));
    await runBatch(db, [...insertChunks(db, npsInvitations, rows), ...emailStatements(db, emails)]);
  }
  return { invited: invite.map((c) => c.id), skipped };
}

/** Invitations written per call of a segment send: one batch stays well under D1's limits. */
export const SEGMENT_BATCH = 200;

/**
 * Emails the survey to the next contacts of `segment` not yet invited (at most SEGMENT_BATCH);
 * `remaining` says how many are left for the next call.
 */
export async function inviteSegment(
  db: Db,
  env: Pick<Env, "PUBLIC_URL" | "SIGNING_SECRET">,
  surveyId: string,
  segment: Segment,
  now = Date.now(),
) {
  await openSurvey(db, surveyId);
  const ids = await audienceIds(db, surveyId, segment, SEGMENT_BATCH, now);
  const result = ids.length
    ? await inviteContacts(db, env, surveyId, ids, now)
    : { invited: [] as string[], skipped: [] };
  const { recipients } = await countAudience(db, surveyId, segment, Number.MAX_SAFE_INTEGER, now);
  return { ...result, remaining: recipients };
}
