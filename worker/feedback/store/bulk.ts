// Several posts at once from triage: one status for all (voters emailed as for one), tags added or removed.
import type { PostStatus } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { badRequest, conflict } from "../../lib/problem.ts";
import { categoryOfBoard } from "./categories.ts";
import { getPostOrThrow, updatePost } from "./posts.ts";
import { changeStatus } from "./status-changes.ts";

const MAX_TAGS = 10;

export type BulkInput = {
  ids: string[];
  status?: { status: PostStatus; comment?: string; notify: boolean };
  tags?: { add?: string[]; remove?: string[] };
  categoryId?: string | null;
};

/**
 * Checks every post first (each exists, none merged when the status changes, tags fit), so a
 * refusal changes nothing; then changes each post as the one-post routes do. Returns how many
 * posts changed and how many people were emailed.
 */
export async function bulkUpdatePosts(
  db: Db,
  input: BulkInput,
  ctx: { actor: string; baseUrl: string },
  now = Date.now(),
) {
  const rows = await Promise.all([...new Set(input.ids)].map((id) => getPostOrThrow(db, id)));
  const { status, tags, categoryId } = input;
  if (status && rows.some((r) => r.post.status === "merged")) {
    throw conflict("A merged post keeps its status: leave it out, or change its original instead");
  }
  const nextTags = (current: string[]) =>
    [...new Set([...current, ...(tags?.add ?? [])])].filter((t) => !tags?.remove?.includes(t));
  const tooMany = tags ? rows.find((r) => nextTags(r.post.tags).length > MAX_TAGS) : undefined;
  if (tooMany) {
    throw badRequest(`“${tooMany.post.title}” would have more than ${MAX_TAGS} tags`, [
      { path: "body.tags.add", message: `A post has at most ${MAX_TAGS} tags` },
    ]);
  }
  if (categoryId) {
    // One category is of one board: every chosen post must be on it.
    const category = await categoryOfBoard(db, rows[0].post.boardId, categoryId, "body.categoryId");
    const elsewhere = rows.find((r) => r.post.boardId !== category.boardId);
    if (elsewhere) {
      const message = `“${elsewhere.post.title}” is on another board than the category “${category.name}”`;
      throw badRequest(message, [{ path: "body.categoryId", message }]);
    }
  }
  let updated = 0;
  let notified = 0;
  for (const row of rows) {
    let changed = false;
    const next = tags ? nextTags(row.post.tags) : row.post.tags;
    const patch = {
      ...(next.join("\n") !== row.post.tags.join("\n") ? { tags: next } : {}),
      ...(categoryId !== undefined && categoryId !== row.post.categoryId ? { categoryId } : {}),
    };
    if (Object.keys(patch).length) {
      row.post = await updatePost(db, row.post, patch, now);
      changed = true;
    }
    if (status && row.post.status !== status.status) {
      notified += (await changeStatus(db, row, { ...status, ...ctx }, now)).notified;
      changed = true;
    }
    if (changed) updated++;
  }
  return { updated, notified };
}
