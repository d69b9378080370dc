// Who a survey sent to a segment reaches: contacts with an email address and marketing consent,
// optionally with a trait value or a recent event, not yet invited to the survey.
import { and, asc, count, eq, exists, gt, isNotNull, isNull, notExists, type SQL, sql } from "drizzle-orm";
import { contactEventStats, contacts, emailMessages, emailProfiles, npsInvitations } from "../../../db/schema/index.ts";
import { DAY } from "../../emails/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Segment } from "../schemas.ts";

const WEEK = 7 * DAY;

function audienceWhere(db: Db, surveyId: string, segment: Segment, now: number): SQL | undefined {
  const conditions: Array<SQL | undefined> = [
    isNotNull(contacts.email),
    eq(emailProfiles.consentMarketing, true),
    isNull(emailProfiles.unsubscribedAt),
    notExists(
      db
        .select({ one: sql`1` })
        .from(npsInvitations)
        .where(and(eq(npsInvitations.surveyId, surveyId), eq(npsInvitations.contactId, contacts.id))),
    ),
  ];
  if (segment.trait) {
    // Keys are word characters only (see Segment), so the JSON path cannot be escaped from.
    const value = typeof segment.trait.value === "boolean" ? Number(segment.trait.value) : segment.trait.value;
    conditions.push(sql`json_extract(${contacts.traits}, ${`$."${segment.trait.key}"`}) = ${value}`);
  }
  if (segment.event) {
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(contactEventStats)
          .where(
            and(
              eq(contactEventStats.contactId, contacts.id),
              eq(contactEventStats.event, segment.event.name),
              gt(contactEventStats.lastAt, now - segment.event.withinDays * DAY),
            ),
          ),
      ),
    );
  }
  return and(...conditions);
}

/** Marketing emails sent to the contact in the last rolling week, as the weekly cap counts them. */
const sentThisWeek = (now: number) =>
  sql<number>`(select count(*) from ${emailMessages} where ${emailMessages.contactId} = ${contacts.id}
    and ${emailMessages.topic} = 'marketing' and ${emailMessages.state} in ('sending', 'sent')
    and ${emailMessages.sentAt} > ${now - WEEK})`;

/** How many the segment reaches now, and how many of them the weekly cap makes wait. */
export async function countAudience(db: Db, surveyId: string, segment: Segment, cap: number, now: number) {
  const [row] = await db
    .select({ recipients: count(), atWeeklyCap: sql<number>`coalesce(sum(${sentThisWeek(now)} >= ${cap}), 0)` })
    .from(contacts)
    .innerJoin(emailProfiles, eq(emailProfiles.contactId, contacts.id))
    .where(audienceWhere(db, surveyId, segment, now));
  return { recipients: row?.recipients ?? 0, atWeeklyCap: row?.atWeeklyCap ?? 0 };
}

/** Up to `limit` contacts of the segment not yet invited, in id order. */
export async function audienceIds(db: Db, surveyId: string, segment: Segment, limit: number, now: number) {
  const rows = await db
    .select({ id: contacts.id })
    .from(contacts)
    .innerJoin(emailProfiles, eq(emailProfiles.contactId, contacts.id))
    .where(audienceWhere(db, surveyId, segment, now))
    .orderBy(asc(contacts.id))
    .limit(limit);
  return rows.map((r) => r.id);
}
