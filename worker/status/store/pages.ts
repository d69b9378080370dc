// Pages, groups and components: reads and the batchable writes every change is made of.
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import {
  type ComponentStatus,
  statusComponentChanges,
  statusComponents,
  statusGroups,
  statusNotices,
  statusPages,
} from "../../../db/schema/index.ts";
import { type Db, runBatch, type Statement } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, conflict, notFound } from "../../lib/problem.ts";
import { enqueue } from "../../lib/queue.ts";
import { emit, kickWebhooks } from "../../lib/webhooks.ts";
import { type HostedPage, purgePage } from "../cache.ts";
import { hostnameOf } from "../site.ts";

export type Page = typeof statusPages.$inferSelect;
export type Group = typeof statusGroups.$inferSelect;
export type Component = typeof statusComponents.$inferSelect;

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

/**
 * A 400 when `domain` is the Worker's own host, a 409 when a page other than `pageId` has it.
 * The unique index catches a race between two writes (`isUniqueViolation`).
 */
export async function domainFreeOrThrow(db: Db, domain: string, publicUrl: string, pageId?: string): Promise<void> {
  if (domain === hostnameOf(publicUrl)) {
    throw badRequest("The Worker's own host cannot be a status page's domain", [
      { path: "body.domain", message: "is the host of PUBLIC_URL" },
    ]);
  }
  const other = await getPageByDomain(db, domain);
  if (other && other.id !== pageId) throw conflict("Another status page already uses this domain", { domain });
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

export async function listPages(db: Db): Promise<Page[]> {
  return db.select().from(statusPages).orderBy(asc(statusPages.slug));
}

export async function listGroups(db: Db, pageId: string): Promise<Group[]> {
  return db
    .select()
    .from(statusGroups)
    .where(eq(statusGroups.pageId, pageId))
    .orderBy(asc(statusGroups.position), asc(statusGroups.id));
}

export async function listComponents(db: Db, pageId: string): Promise<Component[]> {
  return db
    .select()
    .from(statusComponents)
    .where(eq(statusComponents.pageId, pageId))
    .orderBy(asc(statusComponents.position), asc(statusComponents.id));
}

export async function getGroupOrThrow(db: Db, id: string): Promise<Group> {
  const g = await db.query.statusGroups.findFirst({ where: eq(statusGroups.id, id) });
  if (!g) throw notFound("No such component group");
  return g;
}

export async function getComponentOrThrow(db: Db, id: string): Promise<Component> {
  const c = await db.query.statusComponents.findFirst({ where: eq(statusComponents.id, id) });
  if (!c) throw notFound("No such component");
  return c;
}

/** The page's components named by `ids`; a 400 naming `path` when one is not on the page. */
export async function componentsOnPage(db: Db, pageId: string, ids: string[], path: string): Promise<Component[]> {
  if (!ids.length) return [];
  const rows = await db
    .select()
    .from(statusComponents)
    .where(and(eq(statusComponents.pageId, pageId), inArray(statusComponents.id, [...new Set(ids)])));
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter((x) => !found.has(x.id));
  if (missing.length) {
    throw badRequest(
      "Some components are not on this page",
      missing.map((m) => ({ path: `${path}.${m.i}`, message: `no component ${m.id} on this page` })),
    );
  }
  return rows;
}

export async function groupOnPageOrThrow(db: Db, pageId: string, groupId: string | null | undefined) {
  if (!groupId) return;
  const g = await db.query.statusGroups.findFirst({ where: eq(statusGroups.id, groupId) });
  if (g?.pageId !== pageId) {
    throw badRequest("No such group on this page", [{ path: "body.groupId", message: "not a group of this page" }]);
  }
}

export type StatusChange = { component: Component; to: ComponentStatus };
export type ChangeSource = (typeof statusComponentChanges.$inferInsert)["source"];

/**
 * The writes that move components to new statuses: the component row, its history row and the
 * `component.status_changed` event. Unchanged components produce nothing.
 */
export function statusChangeStatements(
  db: Db,
  changes: StatusChange[],
  opts: { now: number; source: ChangeSource; incidentId?: string | null },
): Statement[] {
  return changes
    .filter((c) => c.component.status !== c.to)
    .flatMap(({ component, to }) => [
      db.update(statusComponents).set({ status: to, updatedAt: opts.now }).where(eq(statusComponents.id, component.id)),
      historyStatement(db, component.id, to, opts),
      emit(
        db,
        "component.status_changed",
        {
          pageId: component.pageId,
          componentId: component.id,
          name: component.name,
          oldStatus: component.status,
          newStatus: to,
          incidentId: opts.incidentId ?? null,
          source: opts.source,
        },
        opts.now,
      ),
      // A change inside an incident is told through the incident; one on its own is told here.
      ...(opts.incidentId
        ? []
        : [
            noticeStatement(
              db,
              {
                pageId: component.pageId,
                type: "component.status_changed",
                componentIds: [component.id],
                subject: `${component.name}: ${to.replaceAll("_", " ")}`,
                text: `${component.name} changed from ${component.status.replaceAll("_", " ")} to ${to.replaceAll("_", " ")}.`,
                payload: { componentId: component.id, oldStatus: component.status, newStatus: to },
              },
              opts.now,
            ),
          ]),
    ]);
}

export type Notice = Omit<typeof statusNotices.$inferInsert, "id" | "createdAt" | "fannedOutAt">;

/** Records what subscribers will be told, in the batch of the change itself. */
export function noticeStatement(db: Db, notice: Notice, now: number): Statement {
  return db.insert(statusNotices).values({ id: newId("stn", now), ...notice, createdAt: now });
}

/** One row of a component's status history. */
export function historyStatement(
  db: Db,
  componentId: string,
  status: ComponentStatus,
  opts: { now: number; source: ChangeSource; incidentId?: string | null },
): Statement {
  return db.insert(statusComponentChanges).values({
    id: newId("scc", opts.now),
    componentId,
    status,
    at: opts.now,
    source: opts.source,
    incidentId: opts.incidentId ?? null,
  });
}

/** The write that tells every cache the page changed. */
export function bumpPage(db: Db, pageId: string, now: number): Statement {
  return db
    .update(statusPages)
    .set({ version: sql`${statusPages.version} + 1`, updatedAt: now })
    .where(eq(statusPages.id, pageId));
}

/**
 * Runs `statements` and the page's version bump as one batch, then drops cached renders and
 * asks for webhook delivery and subscriber notification.
 */
export async function commit(env: Env, db: Db, pageId: string, statements: Statement[], now: number): Promise<void> {
  await runBatch(db, [bumpPage(db, pageId, now), ...statements]);
  purgePage(pageId);
  if (statements.length) {
    await kickWebhooks(env);
    await enqueue(env, { kind: "status.notify.fanout" });
  }
}

/** Whether a failed batch hit a unique key: the work it carried was already done. */
export const isUniqueViolation = (e: unknown) =>
  /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(`${e} ${(e as { cause?: unknown })?.cause}`);
