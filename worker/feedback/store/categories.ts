// A board's categories: at most one per post; the board's pages filter by them and show them.
import { and, asc, count, eq, ne, sql } from "drizzle-orm";
import { feedbackCategories, feedbackPosts } from "../../../db/schema/index.ts";
import { type Db, runBatch } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, conflict, notFound } from "../../lib/problem.ts";
import { type Board, bumpBoard } from "./boards.ts";

export type Category = typeof feedbackCategories.$inferSelect;

/** More would not fit a filter menu. */
export const MAX_CATEGORIES = 50;

const ordered = [asc(feedbackCategories.position), asc(feedbackCategories.id)];

export function listCategories(db: Db, boardId: string) {
  return db
    .select()
    .from(feedbackCategories)
    .where(eq(feedbackCategories.boardId, boardId))
    .orderBy(...ordered);
}

/** Every board's categories in one read, by board id. */
export async function categoriesByBoard(db: Db) {
  const rows = await db
    .select()
    .from(feedbackCategories)
    .orderBy(...ordered);
  const out = new Map<string, Category[]>();
  for (const r of rows) out.set(r.boardId, [...(out.get(r.boardId) ?? []), r]);
  return out;
}

const nameTaken = (name: string) =>
  conflict(`This board already has a category named “${name}”`, {
    errors: [{ path: "body.name", message: `This board already has a category named “${name}”` }],
  });

async function refuseTakenName(db: Db, boardId: string, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ id: feedbackCategories.id })
    .from(feedbackCategories)
    .where(
      and(
        eq(feedbackCategories.boardId, boardId),
        sql`lower(${feedbackCategories.name}) = lower(${name})`,
        exceptId ? ne(feedbackCategories.id, exceptId) : undefined,
      ),
    );
  if (taken) throw nameTaken(name);
}

/**
 * The category `id` of the board, or a 400 naming the field it came from (`path`): a post only
 * takes a category of its own board.
 */
export async function categoryOfBoard(db: Db, boardId: string, id: string, path = "body.categoryId") {
  const row = await db.query.feedbackCategories.findFirst({ where: eq(feedbackCategories.id, id) });
  if (!row || row.boardId !== boardId) {
    const message = "categoryId is not a category of this board";
    throw badRequest(message, [{ path, message }]);
  }
  return row;
}

export async function getCategoryOrThrow(db: Db, board: Board, id: string) {
  const row = await db.query.feedbackCategories.findFirst({
    where: and(eq(feedbackCategories.id, id), eq(feedbackCategories.boardId, board.id)),
  });
  if (!row) throw notFound("No such category on this board");
  return row;
}

/** A new category, last in the board's order. */
export async function createCategory(db: Db, board: Board, name: string, now = Date.now()) {
  const [{ n }] = await db
    .select({ n: count() })
    .from(feedbackCategories)
    .where(eq(feedbackCategories.boardId, board.id));
  if (n >= MAX_CATEGORIES) {
    const message = `A board has at most ${MAX_CATEGORIES} categories`;
    throw badRequest(message, [{ path: "body.name", message }]);
  }
  await refuseTakenName(db, board.id, name);
  const [[row]] = await runBatch(db, [
    db
      .insert(feedbackCategories)
      .values({
        id: newId("fbc", now),
        boardId: board.id,
        name,
        position: sql`(select coalesce(max(position), -1) + 1 from feedback_categories where board_id = ${board.id})`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning(),
    bumpBoard(db, board.id),
  ]);
  if (!row) throw nameTaken(name); // taken between the check and the insert
  return row as Category;
}

export async function renameCategory(db: Db, board: Board, id: string, name: string, now = Date.now()) {
  await getCategoryOrThrow(db, board, id);
  await refuseTakenName(db, board.id, name, id);
  const [[row]] = await runBatch(db, [
    db.update(feedbackCategories).set({ name, updatedAt: now }).where(eq(feedbackCategories.id, id)).returning(),
    bumpBoard(db, board.id),
  ]);
  return row as Category;
}

/** The board's categories in the order of `ids`, which must name each of them once. */
export async function reorderCategories(db: Db, board: Board, ids: string[], now = Date.now()) {
  const current = await listCategories(db, board.id);
  const known = new Set(current.map((c) => c.id));
  if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((id) => !known.has(id))) {
    const message = "ids must list each of the board's categories once";
    throw badRequest(message, [{ path: "body.ids", message }]);
  }
  if (!ids.length) return current;
  await runBatch(db, [
    ...ids.map((id, position) =>
      db.update(feedbackCategories).set({ position, updatedAt: now }).where(eq(feedbackCategories.id, id)),
    ),
    bumpBoard(db, board.id),
  ]);
  return listCategories(db, board.id);
}

/** Deletes the category; its posts stay, uncategorised, in the same batch. */
export async function deleteCategory(db: Db, board: Board, id: string) {
  await getCategoryOrThrow(db, board, id);
  await runBatch(db, [
    db.update(feedbackPosts).set({ categoryId: null }).where(eq(feedbackPosts.categoryId, id)),
    db.delete(feedbackCategories).where(eq(feedbackCategories.id, id)),
    bumpBoard(db, board.id),
  ]);
}
