// GDPR, KPIs' part: KPIs hold aggregates, never a person, except the owner of a target and the
// address its alerts went to. An erase leaves the targets and alerts without an owner.
import { eq, or, sql } from "drizzle-orm";
import { contacts, kpiAlerts, kpiTargets } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Erasure } from "../../lib/gdpr.ts";

const emailOf = async (db: Db, contactId: string) =>
  (await db.select({ email: contacts.email }).from(contacts).where(eq(contacts.id, contactId)))[0]?.email ?? null;

/** KPIs' section of a contact's export: the targets they own and the alerts sent to them. */
export async function exportKpisData(db: Db, contactId: string) {
  const email = (await emailOf(db, contactId)) ?? "";
  const [targets, alerts] = await db.batch([
    db
      .select()
      .from(kpiTargets)
      .where(or(eq(kpiTargets.ownerContactId, contactId), eq(sql`lower(${kpiTargets.ownerEmail})`, email))),
    db
      .select()
      .from(kpiAlerts)
      .where(eq(sql`lower(${kpiAlerts.recipient})`, email)),
  ]);
  return { targetsOwned: targets, alertsReceived: alerts };
}

/** KPIs' part of an erase: targets and alerts lose their owner; every KPI value stays. */
export async function eraseKpisStatements(db: Db, contactId: string): Promise<Erasure> {
  const email = (await emailOf(db, contactId)) ?? "";
  return {
    keepsRows: false,
    steps: [
      {
        count: "targetsWithoutOwner",
        statement: sql`update kpi_targets set owner_contact_id = null, owner_email = null
          where owner_contact_id = ${contactId} or lower(owner_email) = ${email}`,
      },
      {
        count: "alertsWithoutRecipient",
        statement: sql`update kpi_alerts set recipient = null where lower(recipient) = ${email}`,
      },
    ],
    needles: [],
  };
}
