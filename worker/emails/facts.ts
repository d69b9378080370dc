// Read-only facts other capabilities use (KPIs), over the events table's indexes.
import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { emailEvents } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import type { Range } from "../lib/range.ts";

/** Per-contact count and summed `properties.amount` of `event` in the range (index on event, occurred_at). */
export async function eventFactsQuery(db: Db, q: Range & { event: string }) {
  return db
    .select({
      contactId: emailEvents.contactId,
      count: sql<number>`count(*)`,
      amount: sql<number>`coalesce(sum(cast(json_extract(${emailEvents.properties}, '$.amount') as real)), 0)`,
    })
    .from(emailEvents)
    .where(and(eq(emailEvents.event, q.event), gte(emailEvents.occurredAt, q.from), lt(emailEvents.occurredAt, q.to)))
    .groupBy(emailEvents.contactId);
}

export async function activeContactIdsQuery(db: Db, q: Range & { events?: string[] }): Promise<string[]> {
  const inRange = and(gte(emailEvents.occurredAt, q.from), lt(emailEvents.occurredAt, q.to));
  const rows = await db
    .selectDistinct({ id: emailEvents.contactId })
    .from(emailEvents)
    .where(q.events?.length ? and(inArray(emailEvents.event, q.events.slice(0, 90)), inRange) : inRange);
  return rows.map((r) => r.id);
}
