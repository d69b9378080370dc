// The quarterly pillar audits as stored: five rows per audited quarter.
import { asc, desc, eq } from "drizzle-orm";
import { pillarAudits } from "../../../db/schema/index.ts";
import { type Db, excluded } from "../../lib/db.ts";
import { auditView, type PillarScore, pillarEvidence } from "../pillars.ts";
import { quarterReport } from "./report.ts";

/** Every audited quarter, newest first, each with its scores (the console draws the trend). */
export async function listAudits(db: Db) {
  const rows = await db.select().from(pillarAudits).orderBy(desc(pillarAudits.quarter), asc(pillarAudits.pillar));
  const quarters = [...new Set(rows.map((r) => r.quarter))];
  return quarters.map((q) =>
    auditView(
      q,
      rows.filter((r) => r.quarter === q),
    ),
  );
}

export async function getAudit(db: Db, quarter: string) {
  const rows = await db.select().from(pillarAudits).where(eq(pillarAudits.quarter, quarter));
  return rows.length ? auditView(quarter, rows) : null;
}

/** Replaces a quarter's audit: all five pillars at once, in one batch. */
export async function putAudit(db: Db, quarter: string, scores: PillarScore[], now = Date.now()) {
  const rows = scores.map((s) => ({ quarter, pillar: s.pillar, score: s.score, note: s.note ?? null, updatedAt: now }));
  await db
    .insert(pillarAudits)
    .values(rows)
    .onConflictDoUpdate({
      target: [pillarAudits.quarter, pillarAudits.pillar],
      set: { score: excluded("score"), note: excluded("note"), updatedAt: now },
    });
  return auditView(quarter, rows);
}

export async function deleteAudit(db: Db, quarter: string): Promise<boolean> {
  const rows = await db
    .delete(pillarAudits)
    .where(eq(pillarAudits.quarter, quarter))
    .returning({ q: pillarAudits.quarter });
  return rows.length > 0;
}

/**
 * Each pillar's manual score for `quarter` beside the KPIs that inform it (the quarter's values as the
 * KPI report shows them: live for the running quarter, final for a past one) and the score they suggest.
 */
export async function auditEvidence(db: Db, quarter: string, now: number) {
  const [report, audit] = await Promise.all([quarterReport(db, quarter, now), getAudit(db, quarter)]);
  const evidence = pillarEvidence(
    report.kpis.map((k) => ({ kpi: k.kpi, value: k.value, target: k.target?.target ?? null })),
  );
  return {
    quarter,
    phase: report.phase,
    pillars: evidence.map((e) => ({ ...e, score: audit?.pillars.find((p) => p.pillar === e.pillar)?.score ?? null })),
  };
}
