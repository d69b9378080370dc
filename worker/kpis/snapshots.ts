// Daily KPI snapshots: cron finds the days missing, the queue computes each day once.
import { and, count, eq, gte, inArray, lt } from "drizzle-orm";
import { contacts, KPI_IDS, type KpiId, kpiAlerts, kpiSnapshots } from "../../db/schema/index.ts";
import { emailStatements, type OutgoingEmail } from "../emails/index.ts";
import { chunk, type Db, excluded, rowsPerInsert } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import type { QueueMessage } from "../lib/queue.ts";
import { emit } from "../lib/webhooks.ts";
import { KPI_DEFINITIONS } from "./definitions.ts";
import { DAY, quarterOf, quarterRange, startOfDay } from "./quarters.ts";
import { computeRange, type TargetRow, targetsOf, targetView } from "./report.ts";

/** How many past days cron keeps complete (a Worker that was down catches up this far). */
export const CATCH_UP_DAYS = 7;

export type SnapshotMessage = { kind: "kpis.snapshot"; day: number; recompute: boolean; alert: boolean };

/** Cron: the completed days of the last week that lack a full set of snapshots. */
export async function dueSnapshotDays(db: Db, now: number): Promise<SnapshotMessage[]> {
  const today = startOfDay(now);
  const rows = await db
    .select({ day: kpiSnapshots.day, n: count() })
    .from(kpiSnapshots)
    .where(and(gte(kpiSnapshots.day, today - CATCH_UP_DAYS * DAY), lt(kpiSnapshots.day, today)))
    .groupBy(kpiSnapshots.day);
  const complete = new Set(rows.filter((r) => r.n >= KPI_IDS.length).map((r) => r.day));
  const due: SnapshotMessage[] = [];
  for (let day = today - CATCH_UP_DAYS * DAY; day < today; day += DAY) {
    // Only yesterday's crossing is news worth an alert; older days are catch-up.
    if (!complete.has(day)) due.push({ kind: "kpis.snapshot", day, recompute: false, alert: day === today - DAY });
  }
  return due;
}

/** Messages that recompute every snapshot from `from` to `to` (UTC days, inclusive) on purpose. */
export function recomputeMessages(from: number, to: number): Array<SnapshotMessage & QueueMessage> {
  const out: Array<SnapshotMessage & QueueMessage> = [];
  for (let day = startOfDay(from); day <= startOfDay(to); day += DAY) {
    out.push({ kind: "kpis.snapshot", day, recompute: true, alert: false });
  }
  return out;
}

async function ownerEmails(db: Db, targets: TargetRow[]): Promise<Map<string, string>> {
  const ids = targets.map((t) => t.ownerContactId).filter((id): id is string => !!id);
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: contacts.id, email: contacts.email })
    .from(contacts)
    .where(inArray(contacts.id, ids));
  return new Map(rows.filter((r) => r.email).map((r) => [r.id, r.email as string]));
}

function alertEmail(kpi: KpiId, quarter: string, day: number, to: string, contactId: string | null): OutgoingEmail {
  const name = KPI_DEFINITIONS[kpi].name;
  const date = new Date(day).toISOString().slice(0, 10);
  const text = `${name} slipped from on track to at risk for ${quarter} (as of ${date}). Open the Rapport console to see its pacing and inputs.`;
  return {
    to,
    contactId: contactId ?? undefined,
    subject: `${name} is at risk for ${quarter}`,
    text,
    html: `<p>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`,
    topic: "transactional",
    idempotencyKey: `kpi-alert:${kpi}:${quarter}:${date}`,
  };
}

/**
 * Computes and stores every KPI's quarter-to-date value at the end of `day`. Without `recompute`
 * a day already stored is left alone (a second delivery does nothing); with it, it is overwritten.
 * With `alert`, a KPI that was on track the day before and is at risk now alerts its owner once.
 */
export async function snapshotDay(db: Db, msg: Omit<SnapshotMessage, "kind">, now = Date.now()) {
  const day = startOfDay(msg.day);
  if (!msg.recompute) {
    const [stored] = await db.select({ n: count() }).from(kpiSnapshots).where(eq(kpiSnapshots.day, day));
    if ((stored?.n ?? 0) >= KPI_IDS.length) return { written: 0, alerts: 0 };
  }
  const quarter = quarterOf(day);
  const end = day + DAY;
  const [results, targets, previous] = await Promise.all([
    computeRange(db, { from: quarterRange(quarter).from, to: end }),
    targetsOf(db, [quarter]),
    db
      .select({ kpi: kpiSnapshots.kpi, status: kpiSnapshots.status })
      .from(kpiSnapshots)
      .where(eq(kpiSnapshots.day, day - DAY)),
  ]);
  const rows = KPI_IDS.map((kpi) => ({
    kpi,
    day,
    value: results[kpi].value,
    inputs: results[kpi].inputs,
    status:
      targetView(
        targets.find((t) => t.kpi === kpi),
        results[kpi].value,
        quarter,
        end,
      ).pacing?.status ?? null,
    computedAt: now,
  }));
  const slipped = msg.alert
    ? rows.filter(
        (r) =>
          r.status === "at_risk" &&
          previous.find((p) => p.kpi === r.kpi)?.status === "on_track" &&
          day > quarterRange(quarter).from,
      )
    : [];
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
    const to = t.ownerEmail ?? (t.ownerContactId ? emails.get(t.ownerContactId) : undefined) ?? null;
    return {
      id: newId("kal", now),
      kpi: r.kpi,
      quarter,
      day,
      recipient: to,
      createdAt: now,
      contactId: t.ownerContactId,
    };
  });
  const writes = [
    ...chunk(rows, rowsPerInsert(6)).map((part) =>
      msg.recompute
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
    ),
    ...alerts.map(({ contactId: _, ...a }) => db.insert(kpiAlerts).values(a).onConflictDoNothing()),
    ...alerts.map((a) =>
      emit(
        db,
        "kpi.at_risk",
        { kpi: a.kpi, quarter, day, value: rows.find((r) => r.kpi === a.kpi)?.value ?? null, owner: a.recipient },
        now,
      ),
    ),
    ...emailStatements(
      db,
      alerts.filter((a) => a.recipient).map((a) => alertEmail(a.kpi, quarter, day, a.recipient as string, a.contactId)),
    ),
  ];
  await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
  return { written: rows.length, alerts: alerts.length };
}
