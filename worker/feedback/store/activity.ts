// What a known person does on the boards (posts, comments, votes), as activity on the contact graph.
import type { Activity } from "../../emails/index.ts";

/** The activity of writing `id` (a post or comment), when it has a known author; none otherwise. */
export function authored(
  event: "feedback_post" | "feedback_comment",
  id: string,
  authorId: string | null | undefined,
  at: number,
  properties: Record<string, unknown>,
): Activity[] {
  return authorId ? [{ contactId: authorId, event, key: `${event}:${id}`, at, properties }] : [];
}

/** A vote, once per person and post: taking it back and voting again records nothing more. */
export function voted(postId: string, contactId: string, boardSlug: string, at: number): Activity[] {
  return [
    {
      contactId,
      event: "feedback_vote",
      key: `feedback_vote:${postId}:${contactId}`,
      at,
      properties: { postId, board: boardSlug },
    },
  ];
}
