// Tables of the feedback capability: boards, posts, their status history, votes, comments.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const BOARD_VISIBILITIES = ["public", "identified"] as const;
export const POST_STATUSES = ["under_review", "planned", "in_progress", "done", "declined", "merged"] as const;
export type PostStatus = (typeof POST_STATUSES)[number];
/** Statuses a person may set; `merged` only comes from a merge. */
export const SETTABLE_STATUSES = ["under_review", "planned", "in_progress", "done", "declined"] as const;
export const MODERATION_STATES = ["pending", "approved", "rejected"] as const;
/** A vote is `held` when it came in a burst from new identities: stored, not counted until reviewed. */
export const VOTE_STATES = ["counted", "held"] as const;
export type VoteState = (typeof VOTE_STATES)[number];

export const feedbackBoards = sqliteTable(
  "feedback_boards",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    visibility: text("visibility", { enum: BOARD_VISIBILITIES }).notNull().default("public"),
    /** New posts and comments wait for a person to approve them. */
    moderated: integer("moderated", { mode: "boolean" }).notNull().default(false),
    /** Bumped by every write that changes what the board's pages show: the cache version. */
    version: integer("version").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("feedback_boards_slug_uq").on(t.slug)],
);

export const feedbackPosts = sqliteTable(
  "feedback_posts",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => feedbackBoards.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** Markdown as written. */
    body: text("body").notNull().default(""),
    /** Rendered and sanitised once, at write. */
    bodyHtml: text("body_html").notNull().default(""),
    authorId: text("author_id").references(() => contacts.id),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
    status: text("status", { enum: POST_STATUSES }).notNull().default("under_review"),
    impact: integer("impact"),
    confidence: integer("confidence"),
    ease: integer("ease"),
    /** impact × confidence × ease, null until all three are set. */
    iceScore: integer("ice_score"),
    voteCount: integer("vote_count").notNull().default(0),
    commentCount: integer("comment_count").notNull().default(0),
    /** Precomputed by the trending job; never computed per request. */
    trendingScore: real("trending_score").notNull().default(0),
    mergedIntoId: text("merged_into_id"),
    moderation: text("moderation", { enum: MODERATION_STATES }).notNull().default("approved"),
    /** Set when a burst of votes from new identities was held for review. */
    flaggedAt: integer("flagged_at"),
    statusChangedAt: integer("status_changed_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("feedback_posts_board_trending_idx").on(t.boardId, t.trendingScore),
    index("feedback_posts_board_votes_idx").on(t.boardId, t.voteCount),
    index("feedback_posts_board_created_idx").on(t.boardId, t.createdAt),
    index("feedback_posts_status_idx").on(t.status, t.statusChangedAt),
    index("feedback_posts_moderation_idx").on(t.moderation, t.createdAt),
    index("feedback_posts_author_idx").on(t.authorId),
    index("feedback_posts_merged_into_idx").on(t.mergedIntoId),
  ],
);

/** Every status change: who, when, from what to what, and the public note shown on the timeline. */
export const feedbackStatusChanges = sqliteTable(
  "feedback_status_changes",
  {
    id: text("id").primaryKey(),
    postId: text("post_id")
      .notNull()
      .references(() => feedbackPosts.id, { onDelete: "cascade" }),
    fromStatus: text("from_status", { enum: POST_STATUSES }),
    toStatus: text("to_status", { enum: POST_STATUSES }).notNull(),
    /** The API key's name or the Access user who made the change. */
    actor: text("actor").notNull(),
    comment: text("comment"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("feedback_status_changes_post_idx").on(t.postId, t.createdAt),
    index("feedback_status_changes_to_idx").on(t.toStatus, t.createdAt),
    index("feedback_status_changes_created_idx").on(t.createdAt),
  ],
);

export const feedbackVotes = sqliteTable(
  "feedback_votes",
  {
    id: text("id").primaryKey(),
    postId: text("post_id")
      .notNull()
      .references(() => feedbackPosts.id, { onDelete: "cascade" }),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    state: text("state", { enum: VOTE_STATES }).notNull().default("counted"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("feedback_votes_post_contact_uq").on(t.postId, t.contactId),
    index("feedback_votes_post_state_idx").on(t.postId, t.state, t.createdAt),
    index("feedback_votes_contact_idx").on(t.contactId),
    index("feedback_votes_created_idx").on(t.createdAt),
  ],
);

export const feedbackComments = sqliteTable(
  "feedback_comments",
  {
    id: text("id").primaryKey(),
    postId: text("post_id")
      .notNull()
      .references(() => feedbackPosts.id, { onDelete: "cascade" }),
    /** The visitor who wrote it; null for a team reply made with an API key. */
    authorId: text("author_id").references(() => contacts.id),
    /** A reply from the product team, marked as such on every page. */
    team: integer("team", { mode: "boolean" }).notNull().default(false),
    teamName: text("team_name"),
    body: text("body").notNull(),
    bodyHtml: text("body_html").notNull(),
    moderation: text("moderation", { enum: MODERATION_STATES }).notNull().default("approved"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("feedback_comments_post_idx").on(t.postId, t.moderation, t.createdAt),
    index("feedback_comments_moderation_idx").on(t.moderation, t.createdAt),
    index("feedback_comments_created_idx").on(t.createdAt),
  ],
);

export const FEEDBACK_EVENT_TYPES = ["feedback.status_changed", "feedback.merged", "feedback.monthly_digest"] as const;

/**
 * Events for the email capability (status changes, merges, digests), kept here so none is lost
 * while emails is not there yet; `key` makes each one unique (a retried job writes it once).
 */
export const feedbackEvents = sqliteTable(
  "feedback_events",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    type: text("type", { enum: FEEDBACK_EVENT_TYPES }).notNull(),
    postId: text("post_id"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Contacts the event is for (voters and author), at the time it happened. */
    recipients: text("recipients", { mode: "json" }).$type<string[]>().notNull().default([]),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("feedback_events_key_uq").on(t.key),
    index("feedback_events_created_idx").on(t.type, t.createdAt),
  ],
);

/** One row per unit of queue work done (trending run, digest month): a second delivery is a no-op. */
export const feedbackJobRuns = sqliteTable(
  "feedback_job_runs",
  {
    key: text("key").primaryKey(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("feedback_job_runs_created_idx").on(t.createdAt)],
);

/**
 * Who was told an idea shipped: a status-change-to-done notice the emails capability sent, copied
 * here within hours of sending (the outbox prunes finished messages), once per notice and contact.
 */
export const feedbackNoticesTold = sqliteTable(
  "feedback_notices_told",
  {
    /** The `feedback.status_changed` event's key (`status:<change id>`). */
    eventKey: text("event_key").notNull(),
    postId: text("post_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    toldAt: integer("told_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventKey, t.contactId] }), index("feedback_notices_told_post_idx").on(t.postId)],
);
