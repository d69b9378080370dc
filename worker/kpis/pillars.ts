// The quarterly relationship health audit: five pillars scored 1-5, and which one to work on first.
import { PILLARS, type Pillar, type pillarAudits } from "../../db/schema/index.ts";

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
