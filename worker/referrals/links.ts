import { and, desc, eq, lt, sql } from "drizzle-orm";
import { contacts, referralLinks, referralPrograms, referralReferrers } from "../../db/schema/index.ts";
import { contactUpsert } from "../lib/contacts.ts";
import { changesOf, type Db } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import type { z } from "../lib/openapi.ts";
import { badRequest, conflict, notFound } from "../lib/problem.ts";
import { newCode } from "./codes.ts";
import { allowedDestination, currentDestination, resolveDestination } from "./destinations.ts";
import type { CachedLink } from "./link-cache.ts";
import type { Program } from "./programs.ts";
import type { CampaignLinkBody, Customer, LinkPatch } from "./schemas.ts";

export type Link = typeof referralLinks.$inferSelect;

export const linkUrl = (publicUrl: string, code: string) => `${publicUrl.replace(/\/$/, "")}/r/${code}`;

type LinkProgram = Pick<Program, "defaultDestination" | "allowedHosts" | "state">;

/** A link as the API shows it, with where it sends people now and whether its destination is still allowed. */
export function linkView(link: Link, publicUrl: string, program: LinkProgram) {
  const to = currentDestination(link.destination, program);
  return {
    ...link,
    url: linkUrl(publicUrl, link.code),
    destinationAllowed:
      allowedDestination(link.destination ?? program.defaultDestination, program.allowedHosts) !== null,
    redirectsTo: link.disabledAt === null && program.state === "active" ? to : null,
  };
}

/** What the redirect needs for a code, in one indexed read. */
export async function loadLink(db: Db, code: string): Promise<CachedLink | null> {
  const [row] = await db
    .select({ link: referralLinks, program: referralPrograms, externalId: contacts.externalId })
    .from(referralLinks)
    .innerJoin(referralPrograms, eq(referralPrograms.id, referralLinks.programId))
    .leftJoin(referralReferrers, eq(referralReferrers.id, referralLinks.referrerId))
    .leftJoin(contacts, eq(contacts.id, referralReferrers.contactId))
    .where(eq(referralLinks.code, code))
    .limit(1);
  const destination = row && currentDestination(row.link.destination, row.program);
  // Nowhere it is still allowed to send people: a 404, like an unknown code.
  if (!destination) return null;
  return {
    linkId: row.link.id,
    programId: row.program.id,
    referrerId: row.link.referrerId,
    referrerExternalId: row.externalId,
    destination,
    utm: row.link.utm,
    allowedHosts: row.program.allowedHosts,
    windowDays: row.program.windowDays,
    attributionModel: row.program.attributionModel,
    active: row.link.disabledAt === null && row.program.state === "active",
  };
}

/**
 * Enrolls a customer as a referrer. Idempotent: the same customer gets the same referrer
 * and code, however often (or concurrently) this is called.
 */
export async function enrollReferrer(db: Db, program: Program, customer: z.infer<typeof Customer>, now = Date.now()) {
  const [contact] = await contactUpsert(
    db,
    { externalId: customer.id, email: customer.email, name: customer.name },
    now,
  );
  for (let attempt = 0; attempt < 3; attempt++) {
    await db.batch([
      db
        .insert(referralReferrers)
        .values({ id: newId("rfr", now), programId: program.id, contactId: contact.id, createdAt: now })
        .onConflictDoNothing(),
      // Every column in table order: id, program, kind, code, referrer, name, destination, utm, disabled, times.
      db
        .insert(referralLinks)
        .select(
          sql`SELECT ${newId("lnk", now)}, ${program.id}, 'referral', ${newCode()}, r.id, NULL, NULL, '{}', NULL, ${now}, ${now}
            FROM referral_referrers r WHERE r.program_id = ${program.id} AND r.contact_id = ${contact.id}`,
        )
        .onConflictDoNothing(),
    ]);
    const found = await getReferrerByContact(db, program.id, contact.id);
    if (found) return found;
    // Only a code collision (1 in 10^12) gets here: try another code.
  }
  throw conflict("Could not allocate a unique code; try again");
}

export const referrerColumns = {
  id: referralReferrers.id,
  programId: referralReferrers.programId,
  contactId: referralReferrers.contactId,
  externalId: contacts.externalId,
  email: contacts.email,
  name: contacts.name,
  code: referralLinks.code,
  createdAt: referralReferrers.createdAt,
};

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

export async function getReferrerByCode(db: Db, code: string) {
  const [row] = await referrerQuery(db).where(eq(referralLinks.code, code)).limit(1);
  return row;
}

function destinationOrThrow(program: Program, raw: string): string {
  const destination = resolveDestination(raw, program.defaultDestination, program.allowedHosts);
  if (!destination) {
    throw badRequest("The destination must be an https URL (or a path) on one of the program's allowed hosts", [
      { path: "body.destination", message: `allowed hosts: ${program.allowedHosts.join(", ")}` },
    ]);
  }
  return destination;
}

/** A campaign link: a code (custom or generated) with a fixed, allow-listed destination and UTM. */
export async function createCampaignLink(
  db: Db,
  program: Program,
  input: z.infer<typeof CampaignLinkBody>,
  now = Date.now(),
): Promise<Link> {
  const destination = destinationOrThrow(program, input.destination);
  const values = {
    programId: program.id,
    kind: "campaign" as const,
    name: input.name,
    destination,
    utm: input.utm,
    createdAt: now,
    updatedAt: now,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await db
      .insert(referralLinks)
      .values({ id: newId("lnk", now), code: input.code ?? newCode(), ...values })
      .onConflictDoNothing()
      .returning();
    if (row) return row;
    if (input.code) throw conflict(`The code ${input.code} is taken`);
  }
  throw conflict("Could not allocate a unique code; try again");
}

export async function getLinkOrThrow(db: Db, id: string): Promise<Link> {
  const row = await db.query.referralLinks.findFirst({ where: eq(referralLinks.id, id) });
  if (!row) throw notFound("No such link");
  return row;
}

export async function listLinks(
  db: Db,
  q: { limit: number; cursor?: string; programId?: string; kind?: "referral" | "campaign" },
) {
  const rows = await db
    .select({
      link: referralLinks,
      program: {
        defaultDestination: referralPrograms.defaultDestination,
        allowedHosts: referralPrograms.allowedHosts,
        state: referralPrograms.state,
      },
    })
    .from(referralLinks)
    .innerJoin(referralPrograms, eq(referralPrograms.id, referralLinks.programId))
    .where(
      and(
        q.cursor ? lt(referralLinks.id, q.cursor) : undefined,
        q.programId ? eq(referralLinks.programId, q.programId) : undefined,
        q.kind ? eq(referralLinks.kind, q.kind) : undefined,
      ),
    )
    .orderBy(desc(referralLinks.id))
    .limit(q.limit + 1);
  return rows.map((r) => ({ ...r.link, program: r.program }));
}

export async function updateLink(
  db: Db,
  link: Link,
  program: Program,
  patch: z.infer<typeof LinkPatch>,
  now = Date.now(),
): Promise<Link> {
  if (!changesOf(patch)) return link;
  let destination = link.destination;
  if (patch.destination !== undefined) {
    destination = destinationOrThrow(program, patch.destination);
  }
  const [row] = await db
    .update(referralLinks)
    .set({
      name: patch.name ?? link.name,
      destination,
      utm: patch.utm ?? link.utm,
      disabledAt: patch.disabled === undefined ? link.disabledAt : patch.disabled ? (link.disabledAt ?? now) : null,
      updatedAt: now,
    })
    .where(eq(referralLinks.id, link.id))
    .returning();
  return row;
}
