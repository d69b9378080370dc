// Tables of the kpis capability.
import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { contacts } from "./core.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** Every KPI Rapport computes; the formulas live in worker/kpis/definitions.ts. */
export const KPI_IDS = [
  "nps",
  "referral_conversion",
  "feedback_implementation",
  "feedback_implementation_votes",
  "email_engagement",
  "clv",
  "cac",
  "clv_cac",
  "repeat_purchase_rate",
  "retention",
  "churn",
  "community_activity",
  "engagement_score",
] as const;
export type KpiId = (typeof KPI_IDS)[number];

export const DIRECTIONS = ["higher", "lower"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const PILLARS = ["community", "personalisation", "value_exchange", "feedback_loops", "advocacy"] as const;
export type Pillar = (typeof PILLARS)[number];

/** Marketing spend the marketer enters per quarter and channel (CAC's numerator), in currency units. */
export const marketingSpend = sqliteTable(
  "marketing_spend",
  {
    id: text("id").primaryKey(),
    quarter: text("quarter").notNull(),
    channel: text("channel").notNull(),
    amount: real("amount").notNull(),
    note: text("note"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("marketing_spend_quarter_channel_uq").on(t.quarter, t.channel)],
);

/** A quarterly target for one KPI: where it started, where it should end, and who owns it. */
export const kpiTargets = sqliteTable(
  "kpi_targets",
  {
    id: text("id").primaryKey(),
    kpi: text("kpi", { enum: KPI_IDS }).notNull(),
    quarter: text("quarter").notNull(),
    startValue: real("start_value").notNull(),
    target: real("target").notNull(),
    direction: text("direction", { enum: DIRECTIONS }).notNull(),
    ownerContactId: text("owner_contact_id").references(() => contacts.id),
    ownerEmail: text("owner_email"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("kpi_targets_kpi_quarter_uq").on(t.kpi, t.quarter)],
);

/**
 * A KPI's quarter-to-date value at the end of `day` (UTC midnight, ms). Written once by the
 * daily job; only an explicit recompute overwrites it, so backfilled data leaves history alone.
 */
export const kpiSnapshots = sqliteTable(
  "kpi_snapshots",
  {
    kpi: text("kpi", { enum: KPI_IDS }).notNull(),
    day: integer("day").notNull(),
    value: real("value"),
    inputs: text("inputs", { mode: "json" }).$type<Record<string, number | string | null>>().notNull(),
    status: text("status"),
    computedAt: integer("computed_at").notNull().default(now),
  },
  (t) => [uniqueIndex("kpi_snapshots_kpi_day_uq").on(t.kpi, t.day), index("kpi_snapshots_day_idx").on(t.day)],
);

/** One alert per KPI per quarter per day when it slips from on track to at risk. */
export const kpiAlerts = sqliteTable(
  "kpi_alerts",
  {
    id: text("id").primaryKey(),
    kpi: text("kpi", { enum: KPI_IDS }).notNull(),
    quarter: text("quarter").notNull(),
    day: integer("day").notNull(),
    recipient: text("recipient"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("kpi_alerts_kpi_quarter_day_uq").on(t.kpi, t.quarter, t.day)],
);

/** The quarterly relationship health audit: each pillar scored 1-5 with a note. */
export const pillarAudits = sqliteTable(
  "pillar_audits",
  {
    quarter: text("quarter").notNull(),
    pillar: text("pillar", { enum: PILLARS }).notNull(),
    score: integer("score").notNull(),
    note: text("note"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("pillar_audits_quarter_pillar_uq").on(t.quarter, t.pillar)],
);

/** How the KPIs are computed where the organisation decides (one row, id `default`). */
export const kpiSettings = sqliteTable("kpi_settings", {
  id: text("id").primaryKey(),
  settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});
