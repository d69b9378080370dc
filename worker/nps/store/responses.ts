// NPS responses: one per contact per survey, answering again changes it.
import { and, desc, eq, gte, isNotNull, lt, lte, sql } from "drizzle-orm";
import { contacts, type NPS_CHANNELS, npsResponses, npsSurveys } from "../../../db/schema/index.ts";
import { activityStatements } from "../../emails/index.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";
import type { Range } from "../../lib/range.ts";
import { emit } from "../../lib/webhooks.ts";
import { type NpsSegment, segmentOf } from "../segments.ts";

export type NpsChannel = (typeof NPS_CHANNELS)[number];

/**
 * Records a contact's answer (creates it, or changes the score; a missing comment keeps the old
 * one) and announces it as the `nps.response.recorded` webhook, in one batch.
 */
export async function recordResponse(
  db: Db,
  input: { surveyId: string; contactId: string; score: number; comment?: string | null; channel: NpsChannel },
  now = Date.now(),
) {
  const comment = input.comment?.trim() || null;
  const upsert = db
    .insert(npsResponses)
    .values({
      id: newId("npr", now),
      surveyId: input.surveyId,
      contactId: input.contactId,
      score: input.score,
      comment,
      channel: input.channel,
      respondedAt: now,
    })
    .onConflictDoUpdate({
      target: [npsResponses.surveyId, npsResponses.contactId],
      set: {
        score: input.score,
        channel: input.channel,
        respondedAt: now,
        comment: sql`coalesce(excluded.comment, ${npsResponses.comment})`,
      },
    })
    .returning();
  const [[row]] = await db.batch([
    upsert,
    emit(
      db,
      "nps.response.recorded",
      {
        surveyId: input.surveyId,
        contactId: input.contactId,
        score: input.score,
        segment: segmentOf(input.score),
        comment,
      },
      now,
    ),
    // On the contact graph once per survey and contact: the first answer (a changed score is not a new one).
    ...activityStatements(
      db,
      [
        {
          contactId: input.contactId,
          event: "nps_answered",
          key: `nps_answered:${input.surveyId}:${input.contactId}`,
          at: now,
          properties: { surveyId: input.surveyId, score: input.score, channel: input.channel },
        },
      ],
      now,
    ),
  ]);
  return { ...row, segment: segmentOf(row.score) };
}

/** What an in-app widget needs: the question, whether it is open, and this contact's answer so far. */
export async function visitorView(db: Db, surveyId: string, contactId: string) {
  const survey = await db.query.npsSurveys.findFirst({ where: eq(npsSurveys.id, surveyId) });
  if (!survey) throw notFound("No such survey");
  const answer = await db.query.npsResponses.findFirst({
    where: and(eq(npsResponses.surveyId, surveyId), eq(npsResponses.contactId, contactId)),
  });
  return {
    survey: { id: survey.id, question: survey.question, open: survey.closedAt === null },
    answer: answer
      ? {
          score: answer.score,
          segment: segmentOf(answer.score),
          comment: answer.comment,
          respondedAt: answer.respondedAt,
        }
      : null,
  };
}

export async function listResponses(
  db: Db,
  q: {
    surveyId?: string;
    segment?: NpsSegment;
    withComment?: boolean;
    from?: number;
    to?: number;
    limit: number;
    cursor?: string;
  },
) {
  const bySegment = {
    promoter: gte(npsResponses.score, 9),
    passive: and(gte(npsResponses.score, 7), lte(npsResponses.score, 8)),
    detractor: lte(npsResponses.score, 6),
  };
  const rows = await db
    .select({
      id: npsResponses.id,
      surveyId: npsResponses.surveyId,
      contactId: npsResponses.contactId,
      email: contacts.email,
      name: contacts.name,
      score: npsResponses.score,
      comment: npsResponses.comment,
      channel: npsResponses.channel,
      respondedAt: npsResponses.respondedAt,
    })
    .from(npsResponses)
    .innerJoin(contacts, eq(contacts.id, npsResponses.contactId))
    .where(
      and(
        q.surveyId ? eq(npsResponses.surveyId, q.surveyId) : undefined,
        q.segment ? bySegment[q.segment] : undefined,
        q.withComment ? isNotNull(npsResponses.comment) : undefined,
        q.from !== undefined ? gte(npsResponses.respondedAt, q.from) : undefined,
        q.to !== undefined ? lt(npsResponses.respondedAt, q.to) : undefined,
        q.cursor ? lt(npsResponses.id, q.cursor) : undefined,
      ),
    )
    .orderBy(desc(npsResponses.id))
    .limit(q.limit + 1);
  return rows.map((r) => ({ ...r, segment: segmentOf(r.score) }));
}

/** Every score given in `range` (any survey, any channel): what the NPS KPI is computed from. */
export async function npsScores(db: Db, range: Range): Promise<number[]> {
  const rows = await db
    .select({ score: npsResponses.score })
    .from(npsResponses)
    .where(and(gte(npsResponses.respondedAt, range.from), lt(npsResponses.respondedAt, range.to)));
  return rows.map((r) => r.score);
}
