// Tables of the nps capability.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const NPS_CHANNELS = ["email", "in_app"] as const;

/** An NPS survey, sent by email (signed one-click links) or shown in the host app. */
export const npsSurveys = sqliteTable("nps_surveys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  question: text("question").notNull(),
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
