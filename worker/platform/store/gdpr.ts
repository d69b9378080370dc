// GDPR, the platform's tables: the contact row itself, the opaque contact kept rows move to, and
// the shared tables that may quote a person (webhook events and deliveries, replayed responses,
// dead letters).
import { eq, type SQL, sql } from "drizzle-orm";
import { contacts } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import type { EraseStep } from "../../lib/gdpr.ts";
import { notFound } from "../../lib/problem.ts";

export type ContactRow = typeof contacts.$inferSelect;

export async function contactOrThrow(db: Db, id: string): Promise<ContactRow> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id));
  if (!row) throw notFound(`No contact ${id}`);
  return row;
}

/** The anonymous contact that kept rows move to: no address, name or traits, first and last seen kept. */
export function opaqueContactInsert(db: Db, contact: ContactRow, opaqueId: string) {
  return db.insert(contacts).values({
    id: opaqueId,
    externalId: `erased:${opaqueId}`,
    firstSeenAt: contact.firstSeenAt,
    lastSeenAt: contact.lastSeenAt,
  });
}

/** Whether a JSON text column holds, anywhere, a string equal to one of `needles` (lowercased). */
const quotes = (column: SQL, needles: string[]) =>
  sql`exists (select 1 from json_tree(case when json_valid(${column}) then ${column} else '[]' end)
    where type = 'text' and lower(atom) in (select value from json_each(${JSON.stringify(needles)})))`;

/**
 * Deletes what the shared tables quote of the person (exact strings: ids, addresses), then the
 * contact row itself, last of the batch (every row pointing at it is gone or moved by then).
 */
export function sharedEraseSteps(contactId: string, needles: string[]): EraseStep[] {
  const n = [...new Set(needles.filter(Boolean).map((x) => x.toLowerCase()))];
  return [
    {
      count: "webhookDeliveries",
      statement: sql`delete from webhook_deliveries where event_id in
        (select id from webhook_events where ${quotes(sql`payload`, n)})`,
    },
    { count: "webhookEvents", statement: sql`delete from webhook_events where ${quotes(sql`payload`, n)}` },
    { count: "replayedResponses", statement: sql`delete from idempotency_keys where ${quotes(sql`body`, n)}` },
    { count: "deadLetters", statement: sql`delete from dead_letters where ${quotes(sql`body`, n)}` },
    { count: "contacts", statement: sql`delete from contacts where id = ${contactId}` },
  ];
}
