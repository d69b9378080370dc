// NPS surveys and their responses: one per contact per survey, answering again changes it.
import { and, desc, eq, gte, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import { contacts, type NPS_CHANNELS, npsInvitations, npsResponses, npsSurveys } from "../../db/schema/index.ts";
import { emailStatements, type OutgoingEmail } from "../emails/index.ts";
import { hmacSha256, timingSafeEqual, toHex } from "../lib/crypto.ts";
import { chunk, type Db, rowsPerInsert } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { conflict, notFound, Problem } from "../lib/problem.ts";
import { emit } from "../lib/webhooks.ts";

export const NPS_SEGMENTS = ["promoter", "passive", "detractor"] as const;
export type NpsSegment = (typeof NPS_SEGMENTS)[number];
export type NpsChannel = (typeof NPS_CHANNELS)[number];

export const segmentOf = (score: number): NpsSegment =>
  score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";

/** The signature that lets one contact answer one survey from an email without signing in. */
export async function npsSignature(secret: string, surveyId: string, contactId: string): Promise<string> {
  return toHex(await hmacSha256(secret, `nps:${surveyId}:${contactId}`)).slice(0, 32);
}

export async function verifyNpsSignature(secret: string, surveyId: string, contactId: string, sig: string) {
  return !!secret && timingSafeEqual(await npsSignature(secret, surveyId, contactId), sig);
}

/** The eleven one-click links (0-10) for an email to `contactId`. */
export async function npsLinks(env: Pick<Env, "PUBLIC_URL" | "SIGNING_SECRET">, surveyId: string, contactId: string) {
  if (!env.SIGNING_SECRET) throw new Problem(500, "internal", "Set the SIGNING_SECRET secret to sign NPS links");
  const s = await npsSignature(env.SIGNING_SECRET, surveyId, contactId);
  const base = env.PUBLIC_URL.replace(/\/$/, "");
  return Array.from({ length: 11 }, (_, score) => ({
    score,
    url: `${base}/nps/${encodeURIComponent(surveyId)}/${score}?c=${encodeURIComponent(contactId)}&s=${s}`,
  }));
}

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

function surveyView(r: SurveyRow) {
  const { invited, responses, promoters, detractors, comments, ...survey } = r;
  return {
    ...survey,
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
  return rows.map(surveyView);
}

export async function getSurvey(db: Db, id: string) {
  const [row] = await surveysWithSummary(db).where(eq(npsSurveys.id, id));
  if (!row) throw notFound("No such survey");
  return surveyView(row);
}

export async function createSurvey(db: Db, input: { name: string; question?: string }, now = Date.now()) {
  const [row] = await db
    .insert(npsSurveys)
    .values({
      id: newId("nps", now),
      name: input.name,
      question: input.question ?? "How likely are you to recommend us to a friend or colleague?",
      createdAt: now,
    })
    .returning();
  return getSurvey(db, row.id);
}

export async function updateSurvey(
  db: Db,
  id: string,
  input: { name?: string; question?: string; closed?: boolean },
  now = Date.now(),
) {
  const set = {
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

export async function requireContact(db: Db, id: string) {
  const contact = await db.query.contacts.findFirst({ where: eq(contacts.id, id) });
  if (!contact) throw notFound("No such contact");
  return contact;
}

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

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The survey email: eleven one-click score links (each opens a confirm page) and a plain-text twin. */
function surveyEmail(
  survey: { id: string; name: string; question: string },
  contact: { id: string; email: string },
  links: Array<{ score: number; url: string }>,
): OutgoingEmail {
  const cells = links
    .map(
      (l) =>
        `<td style="padding:2px"><a href="${escapeHtml(l.url)}" style="display:inline-block;min-width:28px;padding:8px 4px;border:1px solid #c8ced6;border-radius:4px;text-align:center;text-decoration:none;color:#1b1f24">${l.score}</a></td>`,
    )
    .join("");
  return {
    to: contact.email,
    contactId: contact.id,
    subject: survey.question,
    html: `<p>${escapeHtml(survey.question)}</p><table role="presentation"><tr>${cells}</tr></table><p style="color:#5b6470;font-size:12px">0 = not at all likely, 10 = extremely likely. You can add a comment after choosing.</p>`,
    text: `${survey.question}\n\n${links.map((l) => `${l.score}: ${l.url}`).join("\n")}\n`,
    topic: "marketing",
    idempotencyKey: `nps-invite:${survey.id}:${contact.id}`,
  };
}

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
    db.select({ id: contacts.id, email: contacts.email }).from(contacts).where(inArray(contacts.id, ids)),
    db
      .select({ contactId: npsInvitations.contactId })
      .from(npsInvitations)
      .where(and(eq(npsInvitations.surveyId, surveyId), inArray(npsInvitations.contactId, ids))),
  ]);
  const skipped: Array<{ contactId: string; reason: "unknown-contact" | "no-email" | "already-invited" }> = [];
  const invite: Array<{ id: string; email: string }> = [];
  for (const id of ids) {
    const person = people.find((p) => p.id === id);
    if (!person) skipped.push({ contactId: id, reason: "unknown-contact" });
    else if (!person.email) skipped.push({ contactId: id, reason: "no-email" });
    else if (already.some((a) => a.contactId === id)) skipped.push({ contactId: id, reason: "already-invited" });
    else invite.push({ id, email: person.email });
  }
  if (invite.length) {
    const emails = await Promise.all(
      invite.map(async (c) => surveyEmail(survey, c, await npsLinks(env, surveyId, c.id))),
    );
    const rows = invite.map((c) => ({ surveyId, contactId: c.id, sentAt: now }));
    const writes = [
      ...chunk(rows, rowsPerInsert(3)).map((part) => db.insert(npsInvitations).values(part).onConflictDoNothing()),
      ...emailStatements(db, emails),
    ];
    await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
  }
  return { invited: invite.map((c) => c.id), skipped };
}
