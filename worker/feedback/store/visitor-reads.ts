// What a visitor's board and post pages show, read alike for the HTML pages and the JSON API.
import type { Db } from "../../lib/db.ts";
import { postComments } from "./comments.ts";
import { type ListOptions, listPosts } from "./posts.ts";
import { postTimeline } from "./status-changes.ts";
import { votedPostIds } from "./votes.ts";

/** A page of a board's approved posts, and which of them the visitor (if any) voted for. */
export async function boardPosts(
  db: Db,
  boardId: string,
  query: Omit<ListOptions, "boardId" | "moderation">,
  contactId?: string,
) {
  const page = await listPosts(db, { ...query, boardId, moderation: "approved" });
  const voted = contactId
    ? await votedPostIds(
        db,
        contactId,
        page.data.map((r) => r.post.id),
      )
    : new Set<string>();
  return { ...page, voted };
}

/** A post's timeline, its approved comments, and whether the visitor (if any) voted for it. */
export async function postThread(db: Db, postId: string, contactId?: string) {
  const [timeline, comments, voted] = await Promise.all([
    postTimeline(db, postId),
    postComments(db, postId, { approvedOnly: true }),
    contactId ? votedPostIds(db, contactId, [postId]) : Promise.resolve(new Set<string>()),
  ]);
  return { timeline, comments, voted: voted.has(postId) };
}
