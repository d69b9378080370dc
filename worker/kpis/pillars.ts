// The quarterly relationship health audit: five pillars scored 1-5, and which one to work on first.
import { type KpiId, PILLARS, type Pillar, type pillarAudits } from "../../db/schema/index.ts";
import { KPI_DEFINITIONS } from "./definitions.ts";

export type PillarScore = { pillar: Pillar; score: number; note?: string | null };

type AuditRow = typeof pillarAudits.$inferSelect;

/** One quarter's audit, with the lowest-scoring pillar named as the priority (ties: the first in pillar order). */
export function auditView(quarter: string, rows: AuditRow[]) {
  const pillars = PILLARS.map((pillar) => {
    const r = rows.find((x) => x.pillar === pillar);
    return { pillar, score: r?.score ?? null, note: r?.note ?? null };
  });
  const scored = pillars.filter((p) => p.score !== null) as Array<{
    pillar: Pillar;
    score: number;
    note: string | null;
  }>;
  const lowest = scored.reduce<(typeof scored)[number] | null>(
    (low, p) => (!low || p.score < low.score ? p : low),
    null,
  );
  const average = scored.length
    ? Math.round((scored.reduce((s, p) => s + p.score, 0) / scored.length) * 100) / 100
    : null;
  const updatedAt = rows.reduce((max, r) => Math.max(max, r.updatedAt), 0) || null;
  return { quarter, pillars, average, priority: lowest?.pillar ?? null, updatedAt };
}

/** The KPIs that inform each pillar: the evidence shown beside its manual score. */
export const PILLAR_KPIS: Record<Pillar, KpiId[]> = {
  community: ["community_activity", "engagement_score"],
  personalisation: ["email_engagement", "retention"],
  value_exchange: ["clv_cac", "repeat_purchase_rate", "churn"],
  feedback_loops: ["feedback_implementation", "feedback_implementation_votes"],
  advocacy: ["nps", "referral_conversion"],
};

export type Band = "poor" | "fair" | "good";
/** Points a KPI's band gives toward a pillar's 1-5 suggestion. */
const POINTS: Record<Band, number> = { poor: 1, fair: 3, good: 5 };

/**
 * Where `value` falls on the KPI's scale: its own bands (fair from [0], good from [1]; reversed when
 * lower is better), or for KPIs without bands 80% / 100% of the quarter's target. Null without a
 * value, or without bands and a target.
 */
export function bandOf(kpi: KpiId, value: number | null, target: number | null): Band | null {
  if (value === null) return null;
  const { bands, direction } = KPI_DEFINITIONS[kpi];
  const higher = direction === "higher";
  const edges = bands ?? (target === null ? null : higher ? [target * 0.8, target] : [target, target * 1.2]);
  if (!edges) return null;
  if (higher) return value >= edges[1] ? "good" : value >= edges[0] ? "fair" : "poor";
  return value <= edges[0] ? "good" : value <= edges[1] ? "fair" : "poor";
}

/**
 * Each pillar's evidence for a quarter: its KPIs' values and bands, and a suggested score, the mean
 * of their points (poor 1, fair 3, good 5) rounded to a whole score; null when no KPI of it has a band.
 */
export function pillarEvidence(kpis: Array<{ kpi: KpiId; value: number | null; target: number | null }>) {
  return PILLARS.map((pillar) => {
    const evidence = PILLAR_KPIS[pillar].map((id) => {
      const k = kpis.find((x) => x.kpi === id);
      const band = bandOf(id, k?.value ?? null, k?.target ?? null);
      return { kpi: id, name: KPI_DEFINITIONS[id].name, value: k?.value ?? null, band };
    });
    const points = evidence.flatMap((e) => (e.band ? [POINTS[e.band]] : []));
    const suggested = points.length ? Math.round(points.reduce((s, p) => s + p, 0) / points.length) : null;
    return { pillar, suggested, kpis: evidence };
  });
}
