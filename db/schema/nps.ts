// Tables of the nps capability.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const NPS_CHANNELS = ["email", "in_app"] as const;

/** An NPS survey, sent by email (signed one-click links) or shown in the host app. */
export const npsSurveys = sqliteTable("nps_surveys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  question: text("question").notNull(),
  /** The referral program a promoter (9-10) with marketing consent is enrolled in and emailed a link for; null: off. */
  promoterProgramId: text("promoter_program_id"),
  closedAt: integer("closed_at"),
  createdAt: integer("created_at").notNull().default(now),
});

/** One answer per contact per survey; answering again changes it. */
export const npsResponses = sqliteTable(
  "nps_responses",
  {
    id: text("id").primaryKey(),
    surveyId: text("survey_id")
      .notNull()
      .references(() => npsSurveys.id, { onDelete: "cascade" }),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    score: integer("score").notNull(),
    comment: text("comment"),
    channel: text("channel", { enum: NPS_CHANNELS }).notNull(),
    respondedAt: integer("responded_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("nps_responses_survey_contact_uq").on(t.surveyId, t.contactId),
    index("nps_responses_responded_idx").on(t.respondedAt),
  ],
);

/** A survey emailed to a contact: once per contact per survey, so sending again invites only the new ones. */
export const npsInvitations = sqliteTable(
  "nps_invitations",
  {
    surveyId: text("survey_id")
      .notNull()
      .references(() => npsSurveys.id, { onDelete: "cascade" }),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    sentAt: integer("sent_at").notNull().default(now),
  },
  (t) => [uniqueIndex("nps_invitations_survey_contact_uq").on(t.surveyId, t.contactId)],
);

/**
 * A promoter invited to refer: once per contact per program (whichever survey or answer came first),
 * written with their link's email in one batch, so a re-answer or a redelivered job sends nothing more.
 */
export const npsPromoterInvites = sqliteTable(
  "nps_promoter_invites",
  {
    programId: text("program_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    surveyId: text("survey_id")
      .notNull()
      .references(() => npsSurveys.id, { onDelete: "cascade" }),
    referrerId: text("referrer_id").notNull(),
    invitedAt: integer("invited_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.contactId] }), index("nps_promoter_invites_survey_idx").on(t.surveyId)],
);

/** A detractor's answer (0-6) to follow up: one per answer, open until someone marks it done. */
export const npsFollowups = sqliteTable(
  "nps_followups",
  {
    id: text("id").primaryKey(),
    responseId: text("response_id")
      .notNull()
      .references(() => npsResponses.id, { onDelete: "cascade" }),
    surveyId: text("survey_id")
      .notNull()
      .references(() => npsSurveys.id, { onDelete: "cascade" }),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    score: integer("score").notNull(),
    createdAt: integer("created_at").notNull(),
    doneAt: integer("done_at"),
  },
  (t) => [
    uniqueIndex("nps_followups_response_uq").on(t.responseId),
    index("nps_followups_open_idx").on(t.doneAt, t.id),
  ],
);
