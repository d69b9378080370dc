// Contributors: people whose ideas were delivered.
import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { contacts, feedbackPosts } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";

/**
 * Contributors: contacts with at least one idea delivered (`done`), the badge shown on their posts.
 * Keyset-paged by contact id; `contactIds` narrows to those people (for another capability's rewards).
 */
export async function listContributors(
  db: Db,
  o: { limit: number; cursor?: string; externalId?: string; contactIds?: string[] },
) {
  const rows = await db
    .select({
      contactId: contacts.id,
      externalId: contacts.externalId,
      name: contacts.name,
      delivered: sql<number>`count(*)`,
      firstDeliveredAt: sql<number>`min(${feedbackPosts.statusChangedAt})`,
    })
    .from(feedbackPosts)
    .innerJoin(contacts, eq(contacts.id, feedbackPosts.authorId))
    .where(
      and(
        eq(feedbackPosts.status, "done"),
        o.cursor ? lt(contacts.id, o.cursor) : undefined,
        o.externalId ? eq(contacts.externalId, o.externalId) : undefined,
        o.contactIds ? inArray(contacts.id, o.contactIds.slice(0, 90)) : undefined,
      ),
    )
    .groupBy(contacts.id)
    .orderBy(desc(contacts.id))
    .limit(o.limit + 1);
  const data = rows
    .slice(0, o.limit)
    .map((r) => ({ ...r, delivered: Number(r.delivered), firstDeliveredAt: Number(r.firstDeliveredAt) }));
  return { data, nextCursor: rows.length > o.limit ? (data[data.length - 1]?.contactId ?? null) : null };
}
