// Who was emailed (by idempotency key) and who came back afterwards: the feedback loop's figures.
import { and, eq, gt, inArray, lte, or } from "drizzle-orm";
import { contactEventDaily, emailMessages } from "../../../db/schema/index.ts";
import { chunk, type Db, IN_LIST_MAX } from "../../lib/db.ts";
import { DAY } from "../churn.ts";

/** Messages of `keys` that were sent, with their contact and time of sending. */
export async function sentByKeys(db: Db, keys: string[]) {
  const out: Array<{ key: string; contactId: string; sentAt: number }> = [];
  for (const part of chunk([...new Set(keys)], IN_LIST_MAX)) {
    const rows = await db
      .select({ key: emailMessages.idempotencyKey, contactId: emailMessages.contactId, sentAt: emailMessages.sentAt })
      .from(emailMessages)
      .where(and(inArray(emailMessages.idempotencyKey, part), eq(emailMessages.state, "sent")));
    for (const r of rows)
      if (r.contactId && r.sentAt !== null) out.push({ key: r.key, contactId: r.contactId, sentAt: r.sentAt });
  }
  return out;
}

/**
 * Of `people` (a contact and when they were told), the contacts with an event on one of the `days`
 * UTC days after the day they were told (read from the daily rollup, kept when raw events are pruned).
 */
export async function returnedAfter(db: Db, people: Array<{ contactId: string; at: number }>, days: number) {
  const found = new Set<string>();
  // Three parameters a person: one statement per 30 stays under D1's 100 bound parameters.
  for (const part of chunk(people, 30)) {
    const rows = await db
      .selectDistinct({ contactId: contactEventDaily.contactId })
      .from(contactEventDaily)
      .where(
        or(
          ...part.map((p) => {
            const day = Math.floor(p.at / DAY);
            return and(
              eq(contactEventDaily.contactId, p.contactId),
              gt(contactEventDaily.day, day),
              lte(contactEventDaily.day, day + days),
            );
          }),
        ),
      );
    for (const r of rows) found.add(r.contactId);
  }
  return found;
}
