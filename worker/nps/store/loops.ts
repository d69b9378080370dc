// The loops an answer starts (see ../loops.ts), each once by a unique key, and the follow-up list.
import { and, desc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import { contacts, npsFollowups, npsPromoterInvites, npsResponses, npsSurveys } from "../../../db/schema/index.ts";
import { emailStatements, hasMarketingConsent } from "../../emails/index.ts";
import { type Db, inJson, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, conflict, notFound } from "../../lib/problem.ts";
import { emit } from "../../lib/webhooks.ts";
import { enrollContactAsReferrer, referralProgram, referrersWhoReferred } from "../../referrals/index.ts";
import { loopOf, promoterEmail } from "../loops.ts";

async function answerOf(db: Db, responseId: string) {
  const [row] = await db
    .select({
      id: npsResponses.id,
      surveyId: npsResponses.surveyId,
      contactId: npsResponses.contactId,
      score: npsResponses.score,
      comment: npsResponses.comment,
      respondedAt: npsResponses.respondedAt,
      programId: npsSurveys.promoterProgramId,
      email: contacts.email,
      name: contacts.name,
    })
    .from(npsResponses)
    .innerJoin(npsSurveys, eq(npsSurveys.id, npsResponses.surveyId))
    .innerJoin(contacts, eq(contacts.id, npsResponses.contactId))
    .where(eq(npsResponses.id, responseId));
  return row;
}

type Answer = NonNullable<Awaited<ReturnType<typeof answerOf>>>;

/**
 * Starts the loop of an answer as it is now (a changed answer is read fresh). Idempotent: the
 * follow-up is unique per answer and its webhook has a fixed id; the promoter's invitation is
 * unique per program and contact and its email has a fixed idempotency key. Returns what it did.
 */
export async function followUpAnswer(db: Db, publicUrl: string, responseId: string, now: number) {
  const a = await answerOf(db, responseId);
  if (!a) return null; // the survey or answer was deleted since
  const marketingConsent = a.score >= 9 && (await hasMarketingConsent(db, a.contactId));
  const loop = loopOf({ ...a, marketingConsent });
  if (loop === "follow-up") await runBatch(db, followupStatements(db, a, now));
  if (loop === "invite-to-refer") await inviteToRefer(db, publicUrl, a, now);
  return loop;
}

function followupStatements(db: Db, a: Answer, now: number) {
  const id = newId("npf", now);
  const payload = {
    responseId: a.id,
    surveyId: a.surveyId,
    contact: { id: a.contactId, email: a.email, name: a.name },
    score: a.score,
    comment: a.comment,
    respondedAt: a.respondedAt,
  };
  return [
    db
      .insert(npsFollowups)
      .values({ id, responseId: a.id, surveyId: a.surveyId, contactId: a.contactId, score: a.score, createdAt: now })
      .onConflictDoNothing(),
    // One event per answer whatever the redeliveries: its id comes from the answer.
    emit(db, "nps.detractor", payload, now, `msg_nps_detractor_${a.id}`),
  ];
}

async function inviteToRefer(db: Db, publicUrl: string, a: Answer, now: number) {
  const programId = a.programId as string;
  const [done] = await db
    .select({ at: npsPromoterInvites.invitedAt })
    .from(npsPromoterInvites)
    .where(and(eq(npsPromoterInvites.programId, programId), eq(npsPromoterInvites.contactId, a.contactId)));
  if (done) return;
  const program = await referralProgram(db, programId);
  if (program?.state !== "active") return; // deleted or archived since it was chosen: nobody to enrol in
  // Enrolment is idempotent (an existing referrer keeps their code), so a retry after a failed batch is safe.
  const referrer = await enrollContactAsReferrer(db, publicUrl, programId, a.contactId, now);
  const email = promoterEmail({ id: a.contactId, email: a.email as string, name: a.name }, program, referrer.url);
  await runBatch(db, [
    db
      .insert(npsPromoterInvites)
      .values({
        programId,
        contactId: a.contactId,
        surveyId: a.surveyId,
        referrerId: referrer.referrerId,
        invitedAt: now,
      })
      .onConflictDoNothing(),
    ...emailStatements(db, [email], now),
  ]);
}

/** Per survey of `surveyIds`: promoters invited to refer, and how many of them referred someone since. */
export async function promoterCounts(db: Db, surveyIds: string[]) {
  const invites = surveyIds.length
    ? await db
        .select({
          surveyId: npsPromoterInvites.surveyId,
          referrerId: npsPromoterInvites.referrerId,
          since: npsPromoterInvites.invitedAt,
        })
        .from(npsPromoterInvites)
        .where(inJson(npsPromoterInvites.surveyId, surveyIds))
    : [];
  const referred = await referrersWhoReferred(db, invites);
  const counts = new Map(surveyIds.map((id) => [id, { promotersInvited: 0, promotersReferred: 0 }]));
  for (const i of invites) {
    const c = counts.get(i.surveyId);
    if (!c) continue;
    c.promotersInvited++;
    if (referred.has(i.referrerId)) c.promotersReferred++;
  }
  return counts;
}

/** The program promoters of a survey are invited to: it must exist and be active (null turns it off). */
export async function checkPromoterProgram(db: Db, programId: string | null | undefined) {
  if (!programId) return;
  const program = await referralProgram(db, programId);
  if (!program) {
    throw badRequest("No such referral program", [{ path: "promoterProgramId", message: "names no referral program" }]);
  }
  if (program.state !== "active") throw conflict("The referral program is archived: it takes no new referrers");
}

export async function listFollowups(
  db: Db,
  q: { state?: "open" | "done"; limit: number; cursor?: string; id?: string },
) {
  return db
    .select({
      id: npsFollowups.id,
      responseId: npsFollowups.responseId,
      surveyId: npsFollowups.surveyId,
      surveyName: npsSurveys.name,
      contactId: npsFollowups.contactId,
      email: contacts.email,
      name: contacts.name,
      score: npsFollowups.score,
      comment: npsResponses.comment,
      createdAt: npsFollowups.createdAt,
      doneAt: npsFollowups.doneAt,
    })
    .from(npsFollowups)
    .innerJoin(npsSurveys, eq(npsSurveys.id, npsFollowups.surveyId))
    .innerJoin(npsResponses, eq(npsResponses.id, npsFollowups.responseId))
    .innerJoin(contacts, eq(contacts.id, npsFollowups.contactId))
    .where(
      and(
        q.state === "open"
          ? isNull(npsFollowups.doneAt)
          : q.state === "done"
            ? isNotNull(npsFollowups.doneAt)
            : undefined,
        q.cursor ? lt(npsFollowups.id, q.cursor) : undefined,
        q.id ? eq(npsFollowups.id, q.id) : undefined,
      ),
    )
    .orderBy(desc(npsFollowups.id))
    .limit(q.limit + 1);
}

/** Marks a follow-up done (or open again); marking it done again keeps the first time. */
export async function setFollowupDone(db: Db, id: string, done: boolean, now: number) {
  await db
    .update(npsFollowups)
    .set({ doneAt: done ? now : null })
    .where(and(eq(npsFollowups.id, id), done ? isNull(npsFollowups.doneAt) : undefined));
  const [row] = await listFollowups(db, { id, limit: 1 });
  if (!row) throw notFound("No such follow-up");
  return row;
}
