// GDPR, NPS' part: the surveys sent to the contact and their answers. An erase keeps each score
// and send under the opaque contact (NPS and response rates hold) and removes the comment text.
import { asc, eq, sql } from "drizzle-orm";
import {
  npsFollowups,
  npsInvitations,
  npsPromoterInvites,
  npsResponses,
  npsSurveys,
} from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import type { EraseContext, Erasure } from "../../lib/gdpr.ts";

/** NPS' section of a contact's export. */
export async function exportNpsData(db: Db, contactId: string) {
  const [sends, answers, promoterInvites, followups] = await db.batch([
    db
      .select({ surveyId: npsInvitations.surveyId, survey: npsSurveys.name, sentAt: npsInvitations.sentAt })
      .from(npsInvitations)
      .innerJoin(npsSurveys, eq(npsSurveys.id, npsInvitations.surveyId))
      .where(eq(npsInvitations.contactId, contactId))
      .orderBy(asc(npsInvitations.sentAt)),
    db
      .select({
        surveyId: npsResponses.surveyId,
        survey: npsSurveys.name,
        question: npsSurveys.question,
        score: npsResponses.score,
        comment: npsResponses.comment,
        channel: npsResponses.channel,
        respondedAt: npsResponses.respondedAt,
      })
      .from(npsResponses)
      .innerJoin(npsSurveys, eq(npsSurveys.id, npsResponses.surveyId))
      .where(eq(npsResponses.contactId, contactId))
      .orderBy(asc(npsResponses.respondedAt)),
    db
      .select({
        surveyId: npsPromoterInvites.surveyId,
        programId: npsPromoterInvites.programId,
        referrerId: npsPromoterInvites.referrerId,
        invitedAt: npsPromoterInvites.invitedAt,
      })
      .from(npsPromoterInvites)
      .where(eq(npsPromoterInvites.contactId, contactId))
      .orderBy(asc(npsPromoterInvites.invitedAt)),
    db
      .select({
        surveyId: npsFollowups.surveyId,
        score: npsFollowups.score,
        createdAt: npsFollowups.createdAt,
        doneAt: npsFollowups.doneAt,
      })
      .from(npsFollowups)
      .where(eq(npsFollowups.contactId, contactId))
      .orderBy(asc(npsFollowups.createdAt)),
  ]);
  return { sends, answers, promoterInvites, followups };
}

/** NPS' part of an erase (see the file's header). */
export async function eraseNpsStatements(db: Db, contactId: string, ctx: EraseContext): Promise<Erasure> {
  const held = await db.get<{ n: number }>(
    sql`select (select count(*) from nps_responses where contact_id = ${contactId})
      + (select count(*) from nps_invitations where contact_id = ${contactId})
      + (select count(*) from nps_promoter_invites where contact_id = ${contactId}) as n`,
  );
  return {
    keepsRows: (held?.n ?? 0) > 0,
    steps: [
      {
        count: "answersKeptAnonymous",
        statement: sql`update nps_responses set contact_id = ${ctx.opaqueId}, comment = null where contact_id = ${contactId}`,
      },
      {
        count: "sendsKeptAnonymous",
        statement: sql`update nps_invitations set contact_id = ${ctx.opaqueId} where contact_id = ${contactId}`,
      },
      {
        // Promoters invited stay counted on their survey; a follow-up about a person goes with them.
        count: "promoterInvitesKeptAnonymous",
        statement: sql`update nps_promoter_invites set contact_id = ${ctx.opaqueId} where contact_id = ${contactId}`,
      },
      {
        count: "followupsDeleted",
        statement: sql`delete from nps_followups where contact_id = ${contactId}`,
      },
    ],
    needles: [],
  };
}
