// The shared contacts upsert: every capability that hears of a person goes through it.
import { sql } from "drizzle-orm";
import { contacts } from "../../../db/schema/index.ts";
import type { Db } from "../db.ts";
import { newId } from "../ids.ts";

export type Person = { externalId: string; email?: string | null; name?: string | null };

/**
 * The upsert for one person named by the host app, as a batchable query: creates the
 * contact on first sight, keeps known fields when a later mention omits them.
 */
export function contactUpsert(db: Db, person: Person, now = Date.now()) {
  return db
    .insert(contacts)
    .values({
      id: newId("ct", now),
      externalId: person.externalId,
      email: person.email?.toLowerCase() ?? null,
      name: person.name ?? null,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: contacts.externalId,
      set: {
        email: sql`coalesce(excluded.email, ${contacts.email})`,
        name: sql`coalesce(excluded.name, ${contacts.name})`,
        lastSeenAt: sql`max(excluded.last_seen_at, ${contacts.lastSeenAt})`,
      },
    })
    .returning();
}

export async function upsertContact(db: Db, person: Person, now = Date.now()) {
  const [row] = await contactUpsert(db, person, now);
  return row;
}
