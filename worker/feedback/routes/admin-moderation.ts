// Admin API of the team's side of what visitors write (scope `feedback`): review of posts and held votes,
// team replies, the moderation queue, comments.
import { type Db, getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { adminPostView, commentView } from "../answers.ts";
import {
  AdminPostSchema,
  CommentSchema,
  IdParams,
  ModerateBody,
  ModerationQueueSchema,
  TeamCommentBody,
} from "../schemas.ts";
import { addComment, deleteComment, moderateComment, pendingComments } from "../store/comments.ts";
import { flaggedPosts, getPostOrThrow, listPosts, moderatePost, type PostRow } from "../store/posts.ts";
import { reviewHeldVotes } from "../store/votes.ts";

export const adminModerationRoutes = newRouter();
const op = adminOps(adminModerationRoutes, "feedback", ["Feedback"]);
const invalid = problemContent("Invalid");
const noPost = problemContent("No such post");
const noComment = problemContent("No such comment");

/** A review action on one post (approve/reject): same shape for pending posts and held votes. */
function reviewOp(
  path: string,
  summary: string,
  act: (db: Db, post: PostRow, action: "approve" | "reject") => Promise<unknown>,
) {
  op(
    {
      method: "post",
      path,
      summary,
      request: { params: IdParams, body: jsonBody(ModerateBody) },
      responses: {
        200: jsonContent(AdminPostSchema, "The post"),
        400: invalid,
        404: noPost,
      },
    },
    async (c) => {
      const db = getDb(c.env.DB);
      const row = await getPostOrThrow(db, c.req.valid("param").id);
      await act(db, row.post, c.req.valid("json").action);
      return c.json(adminPostView(await getPostOrThrow(db, row.post.id), c.env.PUBLIC_URL), 200);
    },
  );
}

// POST /api/v1/feedback/posts/:id/moderation — approve or reject a pending post
reviewOp("/api/v1/feedback/posts/{id}/moderation", "Approve or reject a post", moderatePost);
// POST /api/v1/feedback/posts/:id/held-votes — count or discard votes held as a suspicious burst
reviewOp("/api/v1/feedback/posts/{id}/held-votes", "Review held votes", reviewHeldVotes);

// POST /api/v1/feedback/posts/:id/comments — a team reply, marked as such
op(
  {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/comments",
    summary: "Reply as the team",
    request: { params: IdParams, body: jsonBody(TeamCommentBody) },
    responses: { 201: jsonContent(CommentSchema, "The comment"), 400: invalid, 404: noPost },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    const input = c.req.valid("json");
    const comment = await addComment(
      db,
      { post: row.post, boardSlug: row.boardSlug, moderated: false },
      { authorId: null, team: true, teamName: input.teamName, body: input.body },
    );
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json(commentView(comment, null, false), 201);
  },
);

// GET /api/v1/feedback/moderation — the queue: pending posts and comments, flagged posts
op(
  {
    method: "get",
    path: "/api/v1/feedback/moderation",
    summary: "Moderation queue",
    responses: { 200: jsonContent(ModerationQueueSchema, "What waits for a person") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const [posts, comments, flagged] = await Promise.all([
      listPosts(db, { sort: "new", moderation: "pending", limit: 100 }),
      pendingComments(db, 100),
      flaggedPosts(db),
    ]);
    return c.json(
      {
        posts: posts.data.map((r) => adminPostView(r, c.env.PUBLIC_URL)),
        flagged: flagged.map((r) => adminPostView(r, c.env.PUBLIC_URL)),
        comments,
      },
      200,
    );
  },
);

// POST /api/v1/feedback/comments/:id/moderation — approve or reject a comment
op(
  {
    method: "post",
    path: "/api/v1/feedback/comments/{id}/moderation",
    summary: "Approve or reject a comment",
    request: { params: IdParams, body: jsonBody(ModerateBody) },
    responses: { 200: jsonContent(CommentSchema, "The comment"), 400: invalid, 404: noComment },
  },
  async (c) => {
    const row = await moderateComment(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json").action);
    if (!row) throw notFound("No such comment");
    return c.json(commentView(row, null, false), 200);
  },
);

// DELETE /api/v1/feedback/comments/:id — delete a comment
op(
  {
    method: "delete",
    path: "/api/v1/feedback/comments/{id}",
    summary: "Delete a comment",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: noComment },
  },
  async (c) => {
    if (!(await deleteComment(getDb(c.env.DB), c.req.valid("param").id))) throw notFound("No such comment");
    return c.body(null, 204);
  },
);
