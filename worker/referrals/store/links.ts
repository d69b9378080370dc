import { and, desc, eq, lt } from "drizzle-orm";
import { contacts, referralLinks, referralPrograms, referralReferrers } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { z } from "../../lib/openapi.ts";
import { conflict, notFound } from "../../lib/problem.ts";
import { newCode } from "../codes.ts";
import { currentDestination, destinationOrThrow, refuseOwnDestination } from "../destinations.ts";
import type { CachedLink } from "../link-cache.ts";
import type { Link } from "../link-view.ts";
import type { CampaignLinkBody, LinkPatch } from "../schemas.ts";
import { getProgramOrThrow, type Program } from "./programs.ts";

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

/** A campaign link: a code (custom or generated) with a fixed, allow-listed destination and UTM. */
export async function createCampaignLink(
  db: Db,
  programId: string,
  input: z.infer<typeof CampaignLinkBody>,
  now = Date.now(),
): Promise<{ link: Link; program: Program }> {
  const program = await getProgramOrThrow(db, programId);
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
    const [link] = await db
      .insert(referralLinks)
      .values({ id: newId("lnk", now), code: input.code ?? newCode(), ...values })
      .onConflictDoNothing()
      .returning();
    if (link) return { link, program };
    if (input.code) throw conflict(`The code ${input.code} is taken`);
  }
  throw conflict("Could not allocate a unique code; try again");
}

async function getLinkOrThrow(db: Db, id: string): Promise<Link> {
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

/** Changes a link's name, destination (campaign links only), UTM or whether it is disabled. */
export async function updateLink(
  db: Db,
  id: string,
  patch: z.infer<typeof LinkPatch>,
  now = Date.now(),
): Promise<{ link: Link; program: Program }> {
  const link = await getLinkOrThrow(db, id);
  refuseOwnDestination(link.kind, patch.destination);
  const program = await getProgramOrThrow(db, link.programId);
  if (!changesOf(patch)) return { link, program };
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
  return { link: row, program };
}
