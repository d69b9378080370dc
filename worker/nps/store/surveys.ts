// NPS surveys, each with its summary so far (invited, responses, promoters, detractors, comments, NPS).
import { desc, eq, lt, sql } from "drizzle-orm";
import { npsInvitations, npsResponses, npsSurveys } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { conflict, notFound } from "../../lib/problem.ts";
import { checkPromoterProgram, promoterCounts } from "./loops.ts";

const summary = {
  invited: sql<number>`(select count(*) from ${npsInvitations} where ${npsInvitations.surveyId} = ${npsSurveys.id})`,
  responses: sql<number>`count(${npsResponses.id})`,
  promoters: sql<number>`coalesce(sum(${npsResponses.score} >= 9), 0)`,
  detractors: sql<number>`coalesce(sum(${npsResponses.score} <= 6), 0)`,
  comments: sql<number>`coalesce(sum(${npsResponses.comment} is not null), 0)`,
};

type SurveyRow = typeof npsSurveys.$inferSelect & {
  invited: number;
  responses: number;
  promoters: number;
  detractors: number;
  comments: number;
};

type PromoterCounts = { promotersInvited: number; promotersReferred: number };

function surveyView(r: SurveyRow, loop: PromoterCounts = { promotersInvited: 0, promotersReferred: 0 }) {
  const { invited, responses, promoters, detractors, comments, ...survey } = r;
  return {
    ...survey,
    ...loop,
    invited,
    responses,
    promoters,
    passives: responses - promoters - detractors,
    detractors,
    comments,
    nps: responses ? Math.round(((promoters - detractors) / responses) * 10_000) / 100 : null,
  };
}

function surveysWithSummary(db: Db) {
  return db
    .select({
      id: npsSurveys.id,
      name: npsSurveys.name,
      question: npsSurveys.question,
      promoterProgramId: npsSurveys.promoterProgramId,
      closedAt: npsSurveys.closedAt,
      createdAt: npsSurveys.createdAt,
      ...summary,
    })
    .from(npsSurveys)
    .leftJoin(npsResponses, eq(npsResponses.surveyId, npsSurveys.id))
    .groupBy(npsSurveys.id)
    .$dynamic();
}

export async function listSurveys(db: Db, q: { limit: number; cursor?: string }) {
  const rows = await surveysWithSummary(db)
    .where(q.cursor ? lt(npsSurveys.id, q.cursor) : undefined)
    .orderBy(desc(npsSurveys.id))
    .limit(q.limit + 1);
  const loops = await promoterCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => surveyView(r, loops.get(r.id)));
}

export async function getSurvey(db: Db, id: string) {
  const [row] = await surveysWithSummary(db).where(eq(npsSurveys.id, id));
  if (!row) throw notFound("No such survey");
  return surveyView(row, (await promoterCounts(db, [id])).get(id));
}

export async function createSurvey(
  db: Db,
  input: { name: string; question?: string; promoterProgramId?: string | null },
  now = Date.now(),
) {
  await checkPromoterProgram(db, input.promoterProgramId);
  const [row] = await db
    .insert(npsSurveys)
    .values({
      id: newId("nps", now),
      name: input.name,
      question: input.question ?? "How likely are you to recommend us to a friend or colleague?",
      promoterProgramId: input.promoterProgramId ?? null,
      createdAt: now,
    })
    .returning();
  return getSurvey(db, row.id);
}

export async function updateSurvey(
  db: Db,
  id: string,
  input: { name?: string; question?: string; closed?: boolean; promoterProgramId?: string | null },
  now = Date.now(),
) {
  await checkPromoterProgram(db, input.promoterProgramId);
  const set = {
    ...(input.promoterProgramId !== undefined ? { promoterProgramId: input.promoterProgramId } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.question !== undefined ? { question: input.question } : {}),
    ...(input.closed !== undefined ? { closedAt: input.closed ? now : null } : {}),
  };
  if (Object.keys(set).length) {
    const rows = await db.update(npsSurveys).set(set).where(eq(npsSurveys.id, id)).returning({ id: npsSurveys.id });
    if (!rows.length) throw notFound("No such survey");
  }
  return getSurvey(db, id);
}

export async function deleteSurvey(db: Db, id: string) {
  const rows = await db.delete(npsSurveys).where(eq(npsSurveys.id, id)).returning({ id: npsSurveys.id });
  if (!rows.length) throw notFound("No such survey");
}

/** The survey if it is open for answers; 404 or 409 otherwise. */
export async function openSurvey(db: Db, id: string) {
  const survey = await db.query.npsSurveys.findFirst({ where: eq(npsSurveys.id, id) });
  if (!survey) throw notFound("No such survey");
  if (survey.closedAt) throw conflict("This survey is closed");
  return survey;
}
