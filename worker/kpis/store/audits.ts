// The quarterly pillar audits as stored: five rows per audited quarter.
import { asc, desc, eq } from "drizzle-orm";
import { pillarAudits } from "../../../db/schema/index.ts";
import { type Db, excluded } from "../../lib/db.ts";
import { auditView, type PillarScore } from "../pillars.ts";

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
