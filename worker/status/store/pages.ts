// Status pages: reads, the page's own writes, and the version bump every change carries.
import { asc, eq, isNotNull, sql } from "drizzle-orm";
import { statusPages } from "../../../db/schema/index.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { notFound } from "../../lib/problem.ts";
import type { HostedPage } from "../cache.ts";
import type { Snapshot } from "../snapshot.ts";
import type { Page } from "../types.ts";
import { listComponents, listGroups } from "./components.ts";
import { openEvents } from "./incidents.ts";

export async function getPageOrThrow(db: Db, id: string): Promise<Page> {
  const page = await db.query.statusPages.findFirst({ where: eq(statusPages.id, id) });
  if (!page) throw notFound("No such status page");
  return page;
}

export async function getPageBySlug(db: Db, slug: string): Promise<Page | undefined> {
  return db.query.statusPages.findFirst({ where: eq(statusPages.slug, slug) });
}

export async function getPageByDomain(db: Db, domain: string): Promise<Page | undefined> {
  return db.query.statusPages.findFirst({ where: eq(statusPages.domain, domain) });
}

/** Every page that has its own domain (the host table). */
export async function listHostedPages(db: Db): Promise<HostedPage[]> {
  const rows = await db
    .select({ pageId: statusPages.id, slug: statusPages.slug, domain: statusPages.domain })
    .from(statusPages)
    .where(isNotNull(statusPages.domain));
  return rows.map((r) => ({ ...r, domain: r.domain as string }));
}

export async function pageVersion(db: Db, slug: string) {
  const [row] = await db
    .select({ pageId: statusPages.id, version: statusPages.version })
    .from(statusPages)
    .where(eq(statusPages.slug, slug));
  return row ?? null;
}

/** Whether any status page exists (the first one made is the primary page). */
export async function anyPage(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: statusPages.id }).from(statusPages).limit(1);
  return Boolean(row);
}

export async function listPages(db: Db): Promise<Page[]> {
  return db.select().from(statusPages).orderBy(asc(statusPages.slug));
}

export async function insertPage(db: Db, row: typeof statusPages.$inferInsert): Promise<Page> {
  const [created] = await db.insert(statusPages).values(row).returning();
  return created;
}

export const pageUpdate = (db: Db, id: string, set: Partial<Page>): Statement =>
  db.update(statusPages).set(set).where(eq(statusPages.id, id));

/** The write that tells every cache the page changed. */
export function bumpPage(db: Db, pageId: string, now: number): Statement {
  return db
    .update(statusPages)
    .set({ version: sql`${statusPages.version} + 1`, updatedAt: now })
    .where(eq(statusPages.id, pageId));
}

/** A page with its groups, components and open events, in a few set-based queries; null when there is none. */
export async function loadSnapshot(db: Db, slug: string): Promise<Snapshot | null> {
  const page = await getPageBySlug(db, slug);
  if (!page) return null;
  const [groups, components, open] = await Promise.all([
    listGroups(db, page.id),
    listComponents(db, page.id),
    openEvents(db, page.id),
  ]);
  return { page, groups, components, open };
}
