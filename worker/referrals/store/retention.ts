import { eq, sql } from "drizzle-orm";
import { contacts, referralAttributions } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { recordConversion } from "./conversions.ts";

/**
 * Cron: referrals of `active_after_days` programs whose customer was seen (contacts.last_seen_at,
 * kept by every identified visit and reported event) at least N days after signing up.
 * Reads only unqualified attributions of such programs.
 */
export async function dueRetentionQualifications(db: Db, limit = 500): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`SELECT a.id FROM referral_programs p
    JOIN referral_attributions a ON a.program_id = p.id AND a.qualified_at IS NULL
    JOIN contacts c ON c.id = a.customer_id
    WHERE p.state = 'active' AND p.qualifying_event ->> '$.type' = 'active_after_days'
      AND c.last_seen_at >= a.signed_up_at + (p.qualifying_event ->> '$.days') * 86400000
    LIMIT ${limit}`);
  return rows.map((r) => r.id);
}

/**
 * Queue consumer: qualifies each referral as if the host app had reported an `active` event
 * at the customer's last sighting. Idempotent through the conversions' Idempotency-Key table.
 */
export async function qualifyRetained(db: Db, attributionIds: string[], now = Date.now()): Promise<number> {
  let qualified = 0;
  for (const id of attributionIds) {
    const [row] = await db
      .select({ a: referralAttributions, externalId: contacts.externalId, lastSeenAt: contacts.lastSeenAt })
      .from(referralAttributions)
      .innerJoin(contacts, eq(contacts.id, referralAttributions.customerId))
      .where(eq(referralAttributions.id, id));
    if (!row || row.a.qualifiedAt) continue;
    const input = {
      event: "active",
      customer: { id: row.externalId },
      programId: row.a.programId,
      occurredAt: new Date(Math.min(row.lastSeenAt, now)).toISOString(),
    };
    const { replayed } = await recordConversion(db, `retention:${id}`, `retention:${id}`, input, now);
    if (!replayed) qualified++;
  }
  return qualified;
}
