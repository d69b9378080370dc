// Daily KPI snapshots: cron finds the days missing, the queue computes each day once.
import { and, count, eq, gte, lt } from "drizzle-orm";
import { contacts, KPI_IDS, kpiAlerts, kpiSnapshots } from "../../../db/schema/index.ts";
import { emailStatements } from "../../emails/index.ts";
import { chunk, type Db, excluded, inJson, rowsPerInsert, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { emit } from "../../lib/webhooks.ts";
import { alertEmail, recipientOf, slippedToAtRisk } from "../at-risk.ts";
import type { TargetRow } from "../pacing.ts";
import { DAY, quarterOf, quarterRange, startOfDay } from "../quarters.ts";
import { forgetReports } from "../report-cache.ts";
import { CATCH_UP_DAYS, dueDays, type SnapshotMessage } from "../snapshot-days.ts";
import { standingOn } from "../standing.ts";
import { dailyValues, kpisAsOf, targetsOf } from "./report.ts";

/** Cron: the completed days of the last week that lack a full set of snapshots. */
export async function dueSnapshotDays(db: Db, now: number): Promise<SnapshotMessage[]> {
  const today = startOfDay(now);
  const rows = await db
    .select({ day: kpiSnapshots.day, n: count() })
    .from(kpiSnapshots)
    .where(and(gte(kpiSnapshots.day, today - CATCH_UP_DAYS * DAY), lt(kpiSnapshots.day, today)))
    .groupBy(kpiSnapshots.day);
  return dueDays(today, new Set(rows.filter((r) => r.n >= KPI_IDS.length).map((r) => r.day)));
}

async function ownerEmails(db: Db, targets: TargetRow[]): Promise<Map<string, string>> {
  const ids = targets.map((t) => t.ownerContactId).filter((id): id is string => !!id);
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: contacts.id, email: contacts.email })
    .from(contacts)
    .where(inJson(contacts.id, ids));
  return new Map(rows.filter((r) => r.email).map((r) => [r.id, r.email as string]));
}

type SnapshotRow = typeof kpiSnapshots.$inferInsert & { computedAt: number };

/** The day's snapshot rows: new ones only, or (on recompute) overwriting what is stored. */
function snapshotWrites(db: Db, rows: SnapshotRow[], recompute: boolean, now: number) {
  return chunk(rows, rowsPerInsert(6)).map((part) =>
    recompute
      ? db
          .insert(kpiSnapshots)
          .values(part)
          .onConflictDoUpdate({
            target: [kpiSnapshots.kpi, kpiSnapshots.day],
            set: {
              value: excluded("value"),
              inputs: excluded("inputs"),
              status: excluded("status"),
              computedAt: now,
            },
          })
      : db.insert(kpiSnapshots).values(part).onConflictDoNothing(),
  );
}

/** The at-risk alerts of a day: each stored once, announced as `kpi.at_risk`, and emailed to its owner. */
function alertWrites(
  db: Db,
  alerts: Array<typeof kpiAlerts.$inferInsert & { day: number; recipient: string | null; contactId: string | null }>,
  rows: SnapshotRow[],
  now: number,
) {
  return [
    ...alerts.map(({ contactId: _, ...a }) => db.insert(kpiAlerts).values(a).onConflictDoNothing()),
    ...alerts.map((a) =>
      emit(
        db,
        "kpi.at_risk",
        {
          kpi: a.kpi,
          quarter: a.quarter,
          day: a.day,
          value: rows.find((r) => r.kpi === a.kpi)?.value ?? null,
          owner: a.recipient,
        },
        now,
      ),
    ),
    ...emailStatements(
      db,
      alerts
        .filter((a) => a.recipient)
        .map((a) => alertEmail(a.kpi, a.quarter, a.day, a.recipient as string, a.contactId)),
    ),
  ];
}

/**
 * Computes and stores every KPI's quarter-to-date value at the end of `day` (`kpisAsOf`, as the live
 * report computes it) and its status against the target, forecast from the quarter's earlier
 * snapshots. Without `recompute` a day already stored is left alone (a second delivery does nothing);
 * with it, it is overwritten. With `alert`, a KPI that was on track the day before and is at risk
 * now alerts its owner once.
 */
export async function snapshotDay(db: Db, msg: Omit<SnapshotMessage, "kind">, now = Date.now()) {
  const day = startOfDay(msg.day);
  if (!msg.recompute) {
    const [stored] = await db.select({ n: count() }).from(kpiSnapshots).where(eq(kpiSnapshots.day, day));
    if ((stored?.n ?? 0) >= KPI_IDS.length) return { written: 0, alerts: 0 };
  }
  const quarter = quarterOf(day);
  const [results, targets, earlier] = await Promise.all([
    kpisAsOf(db, day),
    targetsOf(db, [quarter]),
    dailyValues(db, { from: Math.min(quarterRange(quarter).from, day - DAY), to: day }),
  ]);
  const previous = earlier.filter((s) => s.day === day - DAY);
  const rows = KPI_IDS.map((kpi) => ({
    kpi,
    day,
    value: results[kpi].value,
    inputs: results[kpi].inputs,
    status:
      standingOn(
        kpi,
        day,
        results[kpi].value,
        earlier.filter((s) => s.kpi === kpi),
        targets.find((t) => t.kpi === kpi),
      ).pacing?.status ?? null,
    computedAt: now,
  }));
  const slipped = msg.alert ? slippedToAtRisk(rows, previous, day, quarterRange(quarter).from) : [];
  const [emails, alerted] = await Promise.all([
    ownerEmails(db, targets),
    slipped.length
      ? db
          .select({ kpi: kpiAlerts.kpi })
          .from(kpiAlerts)
          .where(and(eq(kpiAlerts.quarter, quarter), eq(kpiAlerts.day, day)))
      : [],
  ]);
  const fresh = slipped.filter((r) => !alerted.some((a) => a.kpi === r.kpi));
  const alerts = fresh.map((r) => {
    const t = targets.find((x) => x.kpi === r.kpi) as TargetRow;
    return {
      id: newId("kal", now),
      kpi: r.kpi,
      quarter,
      day,
      recipient: recipientOf(t, emails),
      createdAt: now,
      contactId: t.ownerContactId,
    };
  });
  await runBatch(db, [...snapshotWrites(db, rows, msg.recompute, now), ...alertWrites(db, alerts, rows, now)]);
  forgetReports();
  return { written: rows.length, alerts: alerts.length };
}
