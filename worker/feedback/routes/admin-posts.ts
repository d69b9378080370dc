// Admin API of feedback posts (scope `feedback`): triage, create, edit, status, merge, delete.
import type { Context } from "hono";
import { kickEmails } from "../../emails/index.ts";
import { contactUpsert } from "../../lib/contacts.ts";
import { getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { adminPostView } from "../answers.ts";
import {
  AdminCreatePostBody,
  AdminPostDetailSchema,
  AdminPostListQuery,
  AdminPostPage,
  AdminPostSchema,
  BulkPostsBody,
  BulkPostsResultSchema,
  IdParams,
  MergeBody,
  MergedSchema,
  StatusBody,
  StatusChangedSchema,
  UpdatePostBody,
} from "../schemas.ts";
import { getBoardOrThrow } from "../store/boards.ts";
import { bulkUpdatePosts } from "../store/bulk.ts";
import { postComments } from "../store/comments.ts";
import { createPost, deletePost, getPostOrThrow, listPosts, updatePost } from "../store/posts.ts";
import { changeStatus, mergePost, postTimeline } from "../store/status-changes.ts";

export const adminPostRoutes = newRouter();
const op = adminOps(adminPostRoutes, "feedback", ["Feedback"]);
const invalid = problemContent("Invalid");
const noPost = problemContent("No such post");

/** Who made a change, as the timeline shows it: the key's name or the signed-in person's email. */
const actorOf = (c: Context<AppEnv>) => {
  const p = c.get("principal");
  return p.kind === "key" ? `key:${p.name}` : p.email;
};

// GET /api/v1/feedback/posts — triage: filter, search and sort (trending, top, new, status, ice)
op(
  {
    method: "get",
    path: "/api/v1/feedback/posts",
    summary: "List posts",
    request: { query: AdminPostListQuery },
    responses: { 200: jsonContent(AdminPostPage, "Posts"), 404: problemContent("No such board") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const { board, ...q } = c.req.valid("query");
    const boardId = board ? (await getBoardOrThrow(db, board)).id : undefined;
    const page = await listPosts(db, { ...q, boardId });
    return c.json({ data: page.data.map((r) => adminPostView(r, c.env.PUBLIC_URL)), nextCursor: page.nextCursor }, 200);
  },
);

// POST /api/v1/feedback/posts — add a post for someone (from a call, a support ticket) or as the team
op(
  {
    method: "post",
    path: "/api/v1/feedback/posts",
    summary: "Create a post",
    request: { body: jsonBody(AdminCreatePostBody) },
    responses: {
      201: jsonContent(AdminPostSchema, "The post"),
      400: invalid,
      404: problemContent("No such board"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const input = c.req.valid("json");
    const board = await getBoardOrThrow(db, input.board);
    const author = input.author ? (await contactUpsert(db, input.author))[0] : null;
    const post = await createPost(db, board, { ...input, authorId: author?.id ?? null, trusted: true });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json(adminPostView(await getPostOrThrow(db, post.id), c.env.PUBLIC_URL), 201);
  },
);

// GET /api/v1/feedback/posts/:id — a post with its timeline and every comment (any moderation state)
op(
  {
    method: "get",
    path: "/api/v1/feedback/posts/{id}",
    summary: "Get a post",
    request: { params: IdParams },
    responses: { 200: jsonContent(AdminPostDetailSchema, "The post"), 404: noPost },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    const [timeline, comments] = await Promise.all([
      postTimeline(db, row.post.id),
      postComments(db, row.post.id, { approvedOnly: false }),
    ]);
    return c.json({ post: adminPostView(row, c.env.PUBLIC_URL), timeline, comments }, 200);
  },
);

// PATCH /api/v1/feedback/posts/:id — edit title, body, tags, ICE (impact, confidence, ease)
op(
  {
    method: "patch",
    path: "/api/v1/feedback/posts/{id}",
    summary: "Update a post (title, body, tags, ICE)",
    request: { params: IdParams, body: jsonBody(UpdatePostBody) },
    responses: { 200: jsonContent(AdminPostSchema, "The post"), 400: invalid, 404: noPost },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    await updatePost(db, row.post, c.req.valid("json"));
    return c.json(adminPostView(await getPostOrThrow(db, row.post.id), c.env.PUBLIC_URL), 200);
  },
);

// POST /api/v1/feedback/posts/:id/status — change status with a public note; voters and author hear
op(
  {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/status",
    summary: "Change a post's status",
    request: { params: IdParams, body: jsonBody(StatusBody) },
    responses: {
      200: jsonContent(StatusChangedSchema, "The post"),
      400: invalid,
      404: noPost,
      409: problemContent("The post is merged"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    const { notified } = await changeStatus(db, row, {
      ...c.req.valid("json"),
      actor: actorOf(c),
      baseUrl: c.env.PUBLIC_URL,
    });
    c.executionCtx.waitUntil(Promise.all([kickWebhooks(c.env), kickEmails(c.env)]));
    return c.json({ ...adminPostView(await getPostOrThrow(db, row.post.id), c.env.PUBLIC_URL), notified }, 200);
  },
);

// POST /api/v1/feedback/posts/bulk — one status and/or tag change for several posts
op(
  {
    method: "post",
    path: "/api/v1/feedback/posts/bulk",
    summary: "Change several posts at once",
    description:
      "Every post is checked first (it exists; none is merged when the status changes; tags fit), so a refusal changes nothing. A status change emails each post's voters and author as the one-post route does, unless `status.notify` is false.",
    request: { body: jsonBody(BulkPostsBody) },
    responses: {
      200: jsonContent(BulkPostsResultSchema, "What changed"),
      400: invalid,
      404: noPost,
      409: problemContent("A chosen post is merged"),
    },
  },
  async (c) => {
    const result = await bulkUpdatePosts(getDb(c.env.DB), c.req.valid("json"), {
      actor: actorOf(c),
      baseUrl: c.env.PUBLIC_URL,
    });
    if (result.updated) c.executionCtx.waitUntil(Promise.all([kickWebhooks(c.env), kickEmails(c.env)]));
    return c.json(result, 200);
  },
);

// POST /api/v1/feedback/posts/:id/merge — merge this duplicate into another post
op(
  {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/merge",
    summary: "Merge a duplicate into its original",
    request: { params: IdParams, body: jsonBody(MergeBody) },
    responses: {
      200: jsonContent(MergedSchema, "Merged"),
      400: invalid,
      404: noPost,
      409: problemContent("Cannot merge these"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const dup = await getPostOrThrow(db, c.req.valid("param").id);
    const into = await getPostOrThrow(db, c.req.valid("json").into);
    const { notified } = await mergePost(db, dup, into, { actor: actorOf(c), baseUrl: c.env.PUBLIC_URL });
    c.executionCtx.waitUntil(Promise.all([kickWebhooks(c.env), kickEmails(c.env)]));
    const [d, o] = await Promise.all([getPostOrThrow(db, dup.post.id), getPostOrThrow(db, into.post.id)]);
    return c.json(
      { duplicate: adminPostView(d, c.env.PUBLIC_URL), original: adminPostView(o, c.env.PUBLIC_URL), notified },
      200,
    );
  },
);

// DELETE /api/v1/feedback/posts/:id — delete a post with its votes and comments
op(
  {
    method: "delete",
    path: "/api/v1/feedback/posts/{id}",
    summary: "Delete a post",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: noPost },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    await deletePost(db, row.post);
    return c.body(null, 204);
  },
);
