// Quarterly KPI targets, one per KPI per quarter.
import { and, asc, eq } from "drizzle-orm";
import { contacts, type Direction, type KpiId, kpiTargets } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest } from "../../lib/problem.ts";
import { KPI_DEFINITIONS } from "../definitions.ts";
import { forgetReports } from "../report-cache.ts";

export type TargetInput = {
  startValue: number;
  target: number;
  /** Defaults to the KPI's better direction. */
  direction?: Direction;
  ownerContactId?: string | null;
  ownerEmail?: string | null;
};

export async function listTargets(db: Db, quarter?: string) {
  return db
    .select()
    .from(kpiTargets)
    .where(quarter ? eq(kpiTargets.quarter, quarter) : undefined)
    .orderBy(asc(kpiTargets.quarter), asc(kpiTargets.kpi));
}

/** A ratio is stored as a fraction: 25 for 25% would be a target no KPI can reach. */
function refuseOutOfRange(kpi: KpiId, input: TargetInput) {
  if (KPI_DEFINITIONS[kpi].unit !== "ratio") return;
  const message = (n: number) => `${n} is not a ratio: enter a number from 0 to 1 (0.25 for 25%)`;
  const errors = (["startValue", "target"] as const)
    .filter((f) => input[f] < 0 || input[f] > 1)
    .map((f) => ({ path: `body.${f}`, message: message(input[f]) }));
  if (errors.length) throw badRequest(`${KPI_DEFINITIONS[kpi].name} is a ratio from 0 to 1`, errors);
}

/** Creates or replaces the target of `kpi` for `quarter`. The owner contact must exist. */
export async function putTarget(db: Db, quarter: string, kpi: KpiId, input: TargetInput, now = Date.now()) {
  refuseOutOfRange(kpi, input);
  if (input.ownerContactId) {
    const owner = await db.query.contacts.findFirst({ where: eq(contacts.id, input.ownerContactId) });
    if (!owner) {
      throw badRequest("The owner contact does not exist", [
        { path: "body.ownerContactId", message: "No contact with this id" },
      ]);
    }
  }
  const values = {
    startValue: input.startValue,
    target: input.target,
    direction: input.direction ?? KPI_DEFINITIONS[kpi].direction,
    ownerContactId: input.ownerContactId ?? null,
    ownerEmail: input.ownerEmail?.toLowerCase() ?? null,
    updatedAt: now,
  };
  const [row] = await db
    .insert(kpiTargets)
    .values({ id: newId("tgt", now), kpi, quarter, ...values })
    .onConflictDoUpdate({ target: [kpiTargets.kpi, kpiTargets.quarter], set: values })
    .returning();
  forgetReports();
  return row;
}

export async function deleteTarget(db: Db, quarter: string, kpi: KpiId): Promise<boolean> {
  const rows = await db
    .delete(kpiTargets)
    .where(and(eq(kpiTargets.quarter, quarter), eq(kpiTargets.kpi, kpi)))
    .returning({ id: kpiTargets.id });
  forgetReports();
  return rows.length > 0;
}
