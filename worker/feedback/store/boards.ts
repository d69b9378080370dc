// Boards: their settings, and the version every cached page of a board is checked against.
import { and, asc, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import { feedbackBoards } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { conflict, notFound } from "../../lib/problem.ts";
import { forgetBoard } from "../page-cache.ts";

export type Board = typeof feedbackBoards.$inferSelect;

export function listBoards(db: Db) {
  return db.select().from(feedbackBoards).orderBy(asc(feedbackBoards.name));
}

export function getBoard(db: Db, slug: string): Promise<Board | undefined> {
  return db.query.feedbackBoards.findFirst({ where: eq(feedbackBoards.slug, slug) });
}

export async function getBoardOrThrow(db: Db, slug: string): Promise<Board> {
  const board = await getBoard(db, slug);
  if (!board) throw notFound("No such board");
  return board;
}

export async function createBoard(
  db: Db,
  input: Pick<Board, "slug" | "name" | "visibility" | "moderated"> & { description?: string },
  now = Date.now(),
) {
  const [row] = await db
    .insert(feedbackBoards)
    .values({ id: newId("fbb", now), ...input, description: input.description ?? null, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`A board with the slug \`${input.slug}\` exists`);
  return row;
}

export async function updateBoard(db: Db, slug: string, input: Partial<Board>, now = Date.now()) {
  if (!changesOf(input)) return getBoardOrThrow(db, slug);
  forgetBoard("*");
  if (input.slug && input.slug !== slug) {
    const taken = await db.query.feedbackBoards.findFirst({ where: eq(feedbackBoards.slug, input.slug) });
    if (taken) throw conflict(`A board with the slug \`${input.slug}\` exists`);
  }
  const [row] = await db
    .update(feedbackBoards)
    .set({ ...input, updatedAt: now, version: sql`${feedbackBoards.version} + 1` })
    .where(eq(feedbackBoards.slug, slug))
    .returning();
  if (!row) throw notFound("No such board");
  return row;
}

export async function deleteBoard(db: Db, slug: string) {
  forgetBoard("*");
  const [row] = await db.delete(feedbackBoards).where(eq(feedbackBoards.slug, slug)).returning();
  if (!row) throw notFound("No such board");
  return row;
}

/**
 * Batchable: marks the board's pages stale (the version is part of every cache key); `when` limits
 * it to a batch that changed something.
 */
export function bumpBoard(db: Db, boardId: string, when?: SQL) {
  forgetBoard(boardId);
  return db
    .update(feedbackBoards)
    .set({ version: sql`${feedbackBoards.version} + 1` })
    .where(and(eq(feedbackBoards.id, boardId), when));
}

/** Batchable: `bumpBoard` for a batch that knows the board by slug only; the caller calls `forgetBoard`. */
export function bumpBoardBySlug(db: Db, slug: string | Placeholder, when?: SQL) {
  return db
    .update(feedbackBoards)
    .set({ version: sql`${feedbackBoards.version} + 1` })
    .where(and(eq(feedbackBoards.slug, slug), when));
}

/** One value that changes whenever any board changes: the cache version of cross-board pages. */
export async function allBoardsVersion(db: Db) {
  const [row] = await db
    .select({ v: sql<string>`count(*) || ':' || coalesce(sum(${feedbackBoards.version}), 0)` })
    .from(feedbackBoards);
  return row?.v ?? "0";
}
