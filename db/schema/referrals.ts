// Tables of the referrals capability. People are contacts (core); these tables point at them.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const ATTRIBUTION_MODELS = ["first_click", "last_click"] as const;
export const PROGRAM_STATES = ["active", "archived"] as const;
export const LINK_KINDS = ["referral", "campaign"] as const;
export const REWARD_STATES = ["pending", "held", "approved", "paid", "reversed"] as const;
export const REWARD_SIDES = ["referrer", "referee"] as const;
export const REWARD_KINDS = ["credit", "discount", "feature"] as const;
export type RewardState = (typeof REWARD_STATES)[number];

/** A reward one side earns: a credit (minor units), a percent discount, or a feature unlock. */
export type RewardSpec =
  | { kind: "credit"; amount: number; currency: string }
  | { kind: "discount"; percent: number }
  | { kind: "feature"; feature: string };

export type RewardPolicy = {
  referrer: { tiers: Array<{ minQualified: number; label?: string; reward: RewardSpec }> };
  referee: RewardSpec | null;
  monthlyCap: number | null;
  holdDays: number;
  velocity: { perReferrerPerDay: number; perVisitorPerDay: number };
};

/** What makes a referral count: a named event, or the referred customer still active after N days. */
export type QualifyingEvent = { type: "event"; event: string } | { type: "active_after_days"; days: number };

export const referralPrograms = sqliteTable("referral_programs", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  allowedHosts: text("allowed_hosts", { mode: "json" }).$type<string[]>().notNull(),
  defaultDestination: text("default_destination").notNull(),
  windowDays: integer("window_days").notNull().default(90),
  attributionModel: text("attribution_model", { enum: ATTRIBUTION_MODELS }).notNull().default("last_click"),
  rewardPolicy: text("reward_policy", { mode: "json" }).$type<RewardPolicy>().notNull(),
  qualifyingEvent: text("qualifying_event", { mode: "json" }).$type<QualifyingEvent>().notNull(),
  state: text("state", { enum: PROGRAM_STATES }).notNull().default("active"),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** A customer enrolled in a program. One per contact per program. */
export const referralReferrers = sqliteTable(
  "referral_referrers",
  {
    id: text("id").primaryKey(),
    programId: text("program_id")
      .notNull()
      .references(() => referralPrograms.id),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("referral_referrers_program_contact_uq").on(t.programId, t.contactId),
    index("referral_referrers_contact_idx").on(t.contactId),
  ],
);

/** A code that redirects: a referrer's link, or a campaign link with a fixed destination and UTM. */
export const referralLinks = sqliteTable(
  "referral_links",
  {
    id: text("id").primaryKey(),
    programId: text("program_id")
      .notNull()
      .references(() => referralPrograms.id),
    kind: text("kind", { enum: LINK_KINDS }).notNull(),
    code: text("code").notNull(),
    referrerId: text("referrer_id").references(() => referralReferrers.id),
    name: text("name"),
    /** Null: the program's default destination. */
    destination: text("destination"),
    utm: text("utm", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("referral_links_code_uq").on(t.code),
    uniqueIndex("referral_links_referrer_uq").on(t.referrerId),
    index("referral_links_program_idx").on(t.programId, t.id),
  ],
);

/** One counted visit. `duplicate`: same visitor hash on the same link within an hour. */
export const referralClicks = sqliteTable(
  "referral_clicks",
  {
    id: text("id").primaryKey(),
    linkId: text("link_id").notNull(),
    programId: text("program_id").notNull(),
    referrerId: text("referrer_id"),
    at: integer("at").notNull(),
    country: text("country"),
    city: text("city"),
    device: text("device").notNull(),
    referrerHost: text("referrer_host"),
    utmSource: text("utm_source"),
    utmMedium: text("utm_medium"),
    utmCampaign: text("utm_campaign"),
    visitorHash: text("visitor_hash").notNull(),
    duplicate: integer("duplicate", { mode: "boolean" }).notNull().default(false),
    /** The referrer clicked their own link (their identity cookie was on the visit). */
    byReferrer: integer("by_referrer", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("referral_clicks_program_at_idx").on(t.programId, t.at),
    // Duplicate detection looks a visitor up in the click's hour and the one before. Leading with
    // the hour keeps each batch's inserts in the recent end of the index: a visitor-first key
    // scattered them over the whole history, and every page touched is a page written.
    index("referral_clicks_hour_visitor_idx").on(sql`${t.at} / 3600000`, t.visitorHash),
    // The self-referral check: the few clicks referrers made on their own links.
    index("referral_clicks_own_visitor_idx").on(t.visitorHash).where(sql`${t.byReferrer} = 1`),
    index("referral_clicks_referrer_idx").on(t.referrerId, t.duplicate, t.at),
  ],
);

/** Who referred a customer in a program: at most one referrer per customer per program. */
export const referralAttributions = sqliteTable(
  "referral_attributions",
  {
    id: text("id").primaryKey(),
    programId: text("program_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => contacts.id),
    referrerId: text("referrer_id"),
    linkId: text("link_id").notNull(),
    clickId: text("click_id"),
    visitorHash: text("visitor_hash"),
    utmSource: text("utm_source"),
    signedUpAt: integer("signed_up_at").notNull(),
    qualifiedAt: integer("qualified_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("referral_attributions_program_customer_uq").on(t.programId, t.customerId),
    index("referral_attributions_referrer_idx").on(t.referrerId, t.signedUpAt),
    index("referral_attributions_program_idx").on(t.programId, t.signedUpAt),
    index("referral_attributions_qualified_idx").on(t.programId, t.qualifiedAt),
    index("referral_attributions_visitor_idx").on(t.visitorHash, t.signedUpAt),
  ],
);

/** Every conversion event the host app reported (attributed or not). */
export const referralConversions = sqliteTable(
  "referral_conversions",
  {
    id: text("id").primaryKey(),
    programId: text("program_id"),
    attributionId: text("attribution_id"),
    customerId: text("customer_id")
      .notNull()
      .references(() => contacts.id),
    event: text("event").notNull(),
    amount: integer("amount"),
    currency: text("currency"),
    occurredAt: integer("occurred_at").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("referral_conversions_program_idx").on(t.programId, t.id),
    index("referral_conversions_customer_idx").on(t.customerId, t.occurredAt),
    index("referral_conversions_attribution_idx").on(t.attributionId),
  ],
);

/** The rewards ledger: one reward per side per attribution. */
export const referralRewards = sqliteTable(
  "referral_rewards",
  {
    id: text("id").primaryKey(),
    programId: text("program_id").notNull(),
    attributionId: text("attribution_id").notNull(),
    referrerId: text("referrer_id").notNull(),
    /** Who receives it: the referrer's contact or the referred customer. */
    contactId: text("contact_id").notNull(),
    side: text("side", { enum: REWARD_SIDES }).notNull(),
    tier: integer("tier"),
    reward: text("reward", { mode: "json" }).$type<RewardSpec>().notNull(),
    state: text("state", { enum: REWARD_STATES }).notNull().default("pending"),
    /** Fraud rules that fired; a flagged reward waits for review instead of clearing. */
    flags: text("flags", { mode: "json" }).$type<string[]>().notNull().default([]),
    holdReason: text("hold_reason"),
    clearsAt: integer("clears_at"),
    reversedReason: text("reversed_reason"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("referral_rewards_attribution_side_uq").on(t.attributionId, t.side),
    index("referral_rewards_program_state_idx").on(t.programId, t.state, t.id),
    index("referral_rewards_referrer_idx").on(t.referrerId, t.createdAt),
    index("referral_rewards_clears_idx").on(t.state, t.clearsAt),
  ],
);

/** Each ledger transition, with why and who. */
export const referralRewardEvents = sqliteTable(
  "referral_reward_events",
  {
    id: text("id").primaryKey(),
    rewardId: text("reward_id").notNull(),
    fromState: text("from_state", { enum: REWARD_STATES }),
    toState: text("to_state", { enum: REWARD_STATES }).notNull(),
    reason: text("reason"),
    actor: text("actor").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("referral_reward_events_reward_idx").on(t.rewardId, t.at)],
);

/**
 * Clicks per link per UTC day (day = floor(ms / 86400000)), written when a day's raw clicks are
 * sealed before pruning: `clicks` without flagged duplicates, `visitors` distinct visitor hashes.
 * Kept forever: what referrers and link counts show beyond the clicks window.
 */
export const referralLinkDays = sqliteTable(
  "referral_link_days",
  {
    linkId: text("link_id").notNull(),
    day: integer("day").notNull(),
    programId: text("program_id").notNull(),
    referrerId: text("referrer_id"),
    clicks: integer("clicks").notNull(),
    visitors: integer("visitors").notNull(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day] }), index("referral_link_days_referrer_idx").on(t.referrerId, t.day)],
);

/** A program's clicks per UTC day, sealed with the link days (visitors do not add up across links). */
export const referralProgramDays = sqliteTable(
  "referral_program_days",
  {
    programId: text("program_id").notNull(),
    day: integer("day").notNull(),
    clicks: integer("clicks").notNull(),
    visitors: integer("visitors").notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.day] })],
);

/** A program's clicks per UTC day and UTM source (`(direct)` without one), sealed with the link days. */
export const referralSourceDays = sqliteTable(
  "referral_source_days",
  {
    programId: text("program_id").notNull(),
    day: integer("day").notNull(),
    source: text("source").notNull(),
    clicks: integer("clicks").notNull(),
    visitors: integer("visitors").notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.day, t.source] })],
);
