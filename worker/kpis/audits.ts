// The quarterly relationship health audit: five pillars scored 1-5.
import { asc, desc, eq } from "drizzle-orm";
import { PILLARS, type Pillar, pillarAudits } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { excluded } from "../lib/db.ts";

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
