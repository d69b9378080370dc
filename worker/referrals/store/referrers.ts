import { and, desc, eq, gte, lt, or, sql } from "drizzle-orm";
import {
  contacts,
  referralAttributions,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewards,
} from "../../../db/schema/index.ts";
import { contactUpsert } from "../../lib/contacts.ts";
import { chunk, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { z } from "../../lib/openapi.ts";
import { conflict } from "../../lib/problem.ts";
import { newCode } from "../codes.ts";
import { nextTier } from "../reward-policy.ts";
import type { Customer } from "../schemas.ts";
import { enrolled } from "./activity.ts";
import { referrerClicksSql } from "./click-days.ts";
import { getProgramOrThrow } from "./programs.ts";

const referrerColumns = {
  id: referralReferrers.id,
  programId: referralReferrers.programId,
  contactId: referralReferrers.contactId,
  externalId: contacts.externalId,
  email: contacts.email,
  name: contacts.name,
  code: referralLinks.code,
  createdAt: referralReferrers.createdAt,
};

const counts = {
  clicks: referrerClicksSql(referralReferrers.id),
  signups: sql<number>`(SELECT count(*) FROM referral_attributions a WHERE a.referrer_id = ${referralReferrers.id})`,
  qualified: sql<number>`(SELECT count(*) FROM referral_attributions a WHERE a.referrer_id = ${referralReferrers.id} AND a.qualified_at IS NOT NULL)`,
};

/** Referrers with their contact and their referral link's code. */
function referrerQuery(db: Db) {
  return db
    .select(referrerColumns)
    .from(referralReferrers)
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .innerJoin(referralLinks, eq(referralLinks.referrerId, referralReferrers.id));
}

async function getReferrerByContact(db: Db, programId: string, contactId: string) {
  const [row] = await referrerQuery(db)
    .where(and(eq(referralReferrers.programId, programId), eq(referralReferrers.contactId, contactId)))
    .limit(1);
  return row;
}

/**
 * Enrolls a customer as a referrer of an active program. Idempotent: the same customer gets the
 * same referrer and code, however often (or concurrently) this is called.
 */
export async function enrollReferrer(db: Db, programId: string, customer: z.infer<typeof Customer>, now = Date.now()) {
  const program = await activeProgram(db, programId);
  const [contact] = await contactUpsert(
    db,
    { externalId: customer.id, email: customer.email, name: customer.name },
    now,
  );
  return enrollKnownContact(db, program.id, contact.id, now);
}

async function activeProgram(db: Db, programId: string) {
  const program = await getProgramOrThrow(db, programId);
  if (program.state !== "active") throw conflict("The program is archived: it takes no new referrers");
  return program;
}

/** Enrolls a contact Rapport already knows (idempotent as enrollReferrer); `created`: whether they are new to the program. */
export async function enrollContact(db: Db, programId: string, contactId: string, now = Date.now()) {
  const program = await activeProgram(db, programId);
  const before = await getReferrerByContact(db, program.id, contactId);
  if (before) return { ...before, created: false };
  return { ...(await enrollKnownContact(db, program.id, contactId, now)), created: true };
}

async function enrollKnownContact(db: Db, programId: string, contactId: string, now: number) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await db.batch([
      db
        .insert(referralReferrers)
        .values({ id: newId("rfr", now), programId, contactId, createdAt: now })
        .onConflictDoNothing(),
      // Every column in table order: id, program, kind, code, referrer, name, destination, utm, disabled, times.
      db
        .insert(referralLinks)
        .select(
          sql`SELECT ${newId("lnk", now)}, ${programId}, 'referral', ${newCode()}, r.id, NULL, NULL, '{}', NULL, ${now}, ${now}
            FROM referral_referrers r WHERE r.program_id = ${programId} AND r.contact_id = ${contactId}`,
        )
        .onConflictDoNothing(),
      ...enrolled(db, programId, contactId, now),
    ]);
    const found = await getReferrerByContact(db, programId, contactId);
    if (found) return found;
    // Only a code collision (1 in 10^12) gets here: try another code.
  }
  throw conflict("Could not allocate a unique code; try again");
}

/** Of `referrers`, those with a referred customer signed up at or after their `since` (ms). */
export async function referredSince(db: Db, referrers: Array<{ referrerId: string; since: number }>) {
  const found = new Set<string>();
  // Two parameters a referrer: one statement per 45 stays under D1's 100 bound parameters.
  for (const part of chunk(referrers, 45)) {
    const rows = await db
      .select({ referrerId: referralAttributions.referrerId })
      .from(referralAttributions)
      .where(
        or(
          ...part.map((r) =>
            and(eq(referralAttributions.referrerId, r.referrerId), gte(referralAttributions.signedUpAt, r.since)),
          ),
        ),
      );
    for (const r of rows) if (r.referrerId) found.add(r.referrerId);
  }
  return found;
}

/** Referrers of a program with their funnel counts: newest first (paged) or top by qualified referrals. */
export async function listReferrers(
  db: Db,
  programId: string,
  q: { limit: number; cursor?: string; sort: "recent" | "top" },
) {
  const base = db
    .select({ ...referrerColumns, ...counts })
    .from(referralReferrers)
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .innerJoin(referralLinks, eq(referralLinks.referrerId, referralReferrers.id));
  if (q.sort === "top") {
    return base
      .where(eq(referralReferrers.programId, programId))
      .orderBy(desc(counts.qualified), desc(counts.signups), desc(referralReferrers.id))
      .limit(q.limit);
  }
  return base
    .where(and(eq(referralReferrers.programId, programId), q.cursor ? lt(referralReferrers.id, q.cursor) : undefined))
    .orderBy(desc(referralReferrers.id))
    .limit(q.limit + 1);
}

/** The contact behind a referrer. */
export async function referrerContactId(db: Db, referrerId: string): Promise<string> {
  const [r] = await db
    .select({ contactId: referralReferrers.contactId })
    .from(referralReferrers)
    .where(eq(referralReferrers.id, referrerId));
  return r.contactId;
}

/** What the referrer's own page shows, or null when the code is not theirs. */
export async function referrerDashboard(db: Db, code: string, contactId: string) {
  const [r] = await db
    .select({
      id: referralReferrers.id,
      contactId: referralReferrers.contactId,
      name: contacts.name,
      program: referralPrograms,
      ...counts,
    })
    .from(referralLinks)
    .innerJoin(referralReferrers, eq(referralReferrers.id, referralLinks.referrerId))
    .innerJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .innerJoin(referralPrograms, eq(referralPrograms.id, referralReferrers.programId))
    .where(eq(referralLinks.code, code));
  if (!r || r.contactId !== contactId) return null;
  const rewards = await db
    .select()
    .from(referralRewards)
    .where(and(eq(referralRewards.referrerId, r.id), eq(referralRewards.side, "referrer")))
    .orderBy(desc(referralRewards.id))
    .limit(200);
  return {
    name: r.name,
    programName: r.program.name,
    qualifyingEvent: r.program.qualifyingEvent,
    clicks: r.clicks,
    signups: r.signups,
    qualified: r.qualified,
    next: nextTier(r.program.rewardPolicy, r.qualified),
    rewards,
  };
}
export type ReferrerDashboard = NonNullable<Awaited<ReturnType<typeof referrerDashboard>>>;
