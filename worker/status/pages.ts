// Pages, their component groups and components: what the admin API changes.
import { changesOf, type Db } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { badRequest, conflict } from "../lib/problem.ts";
import { purgePage } from "./cache.ts";
import { commit, isUniqueViolation } from "./commit.ts";
import type {
  CreateComponentInput,
  CreateGroupInput,
  CreatePageInput,
  UpdateComponentInput,
  UpdateGroupInput,
  UpdatePageInput,
} from "./schemas.ts";
import { hostnameOf } from "./site.ts";
import {
  componentDelete,
  componentInsert,
  componentUpdate,
  getComponentOrThrow,
  groupDelete,
  groupInsert,
  groupOnPageOrThrow,
  groupUpdate,
  historyStatement,
  statusChangeStatements,
} from "./store/components.ts";
import { componentMonitorsDelete } from "./store/monitors.ts";
import { anyPage, getPageByDomain, getPageBySlug, getPageOrThrow, insertPage, pageUpdate } from "./store/pages.ts";
import type { Component, Group, Page } from "./types.ts";

/** Two writes raced for one slug or domain: the unique index decided. */
const takenOrThrow = (e: unknown): never => {
  throw isUniqueViolation(e) ? conflict("Another status page already uses this slug or domain") : e;
};

async function slugFreeOrThrow(db: Db, slug: string): Promise<void> {
  if (await getPageBySlug(db, slug)) throw conflict("A page already uses this slug", { slug });
}

/**
 * A 400 when `domain` is the Worker's own host, a 409 when a page other than `pageId` has it.
 * The unique index catches a race between two writes (`takenOrThrow`).
 */
async function domainFreeOrThrow(db: Db, domain: string, publicUrl: string, pageId?: string): Promise<void> {
  if (domain === hostnameOf(publicUrl)) {
    throw badRequest("The Worker's own host cannot be a status page's domain", [
      { path: "body.domain", message: "is the host of PUBLIC_URL" },
    ]);
  }
  const other = await getPageByDomain(db, domain);
  if (other && other.id !== pageId) throw conflict("Another status page already uses this domain", { domain });
}

/** Makes a page; unless told, only the first page (the primary one) pauses marketing during its major incidents. */
export async function createPage(env: Env, db: Db, input: CreatePageInput, now: number): Promise<Page> {
  await slugFreeOrThrow(db, input.slug);
  if (input.domain) await domainFreeOrThrow(db, input.domain, env.PUBLIC_URL);
  const pausesMarketing = input.pausesMarketing ?? !(await anyPage(db));
  const row = await insertPage(db, {
    id: newId("stp", now),
    ...input,
    pausesMarketing,
    createdAt: now,
    updatedAt: now,
  }).catch(takenOrThrow);
  purgePage(row.id); // the new domain is served at once
  return row;
}

/**
 * Renames the page or changes its slug, domain, uptime weight or whether it pauses marketing (a
 * pause its incident holds ends at the incident's next update, or by the console's Resume).
 */
export async function updatePage(env: Env, db: Db, current: Page, input: UpdatePageInput, now: number): Promise<Page> {
  if (input.slug && input.slug !== current.slug) await slugFreeOrThrow(db, input.slug);
  if (input.domain) await domainFreeOrThrow(db, input.domain, env.PUBLIC_URL, current.id);
  const set = changesOf(input);
  if (set) await commit(env, db, current.id, [pageUpdate(db, current.id, set)], now).catch(takenOrThrow);
  return getPageOrThrow(db, current.id);
}

export async function createGroup(env: Env, db: Db, page: Page, input: CreateGroupInput, now: number) {
  const row = { id: newId("stg", now), pageId: page.id, position: 0, ...input, createdAt: now, updatedAt: now };
  await commit(env, db, page.id, [groupInsert(db, row)], now);
  return row;
}

/** Renames or reorders a group; an empty change writes nothing. */
export async function updateGroup(env: Env, db: Db, g: Group, input: UpdateGroupInput, now: number) {
  if (changesOf(input)) await commit(env, db, g.pageId, [groupUpdate(db, g.id, { ...input, updatedAt: now })], now);
  return { ...g, ...input };
}

/** Deletes a group; its components stay, ungrouped. */
export async function deleteGroup(env: Env, db: Db, g: Group, now: number): Promise<void> {
  await commit(env, db, g.pageId, groupDelete(db, g.id), now);
}

/** Adds a component; its first status starts its history. */
export async function createComponent(env: Env, db: Db, page: Page, input: CreateComponentInput, now: number) {
  await groupOnPageOrThrow(db, page.id, input.groupId);
  const status = input.status ?? "operational";
  const row: Component = {
    id: newId("cmp", now),
    pageId: page.id,
    groupId: input.groupId ?? null,
    name: input.name,
    description: input.description ?? null,
    position: input.position ?? 0,
    status,
    createdAt: now,
    updatedAt: now,
  };
  const history = historyStatement(db, row.id, status, { now, source: "manual" });
  await commit(env, db, page.id, [componentInsert(db, row), history], now);
  return row;
}

/** Renames, regroups or reorders a component or sets its status (recorded in its history and announced). */
export async function updateComponent(env: Env, db: Db, comp: Component, input: UpdateComponentInput, now: number) {
  const { status, ...rest } = input;
  if (rest.groupId) await groupOnPageOrThrow(db, comp.pageId, rest.groupId);
  const statements = [
    ...(changesOf(rest) ? [componentUpdate(db, comp.id, { ...rest, updatedAt: now })] : []),
    ...(status ? statusChangeStatements(db, [{ component: comp, to: status }], { now, source: "manual" }) : []),
  ];
  if (statements.length) await commit(env, db, comp.pageId, statements, now);
  return getComponentOrThrow(db, comp.id);
}

/** Removes a component and its monitors from its page; its history stays. */
export async function deleteComponent(env: Env, db: Db, comp: Component, now: number): Promise<void> {
  await commit(env, db, comp.pageId, [componentMonitorsDelete(db, comp.id), componentDelete(db, comp.id)], now);
}
