// Admin API of feedback (scope `feedback`): boards, posts, moderation, merge, ratio.
import type { Context } from "hono";
import { FEEDBACK_EVENT_TYPES } from "../../db/schema/index.ts";
import { kickEmails } from "../emails/index.ts";
import { contactUpsert } from "../lib/contacts.ts";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { adminRoute, jsonBody, jsonContent, newRouter, PageQuery, page, problemContent, z } from "../lib/openapi.ts";
import { notFound } from "../lib/problem.ts";
import { enqueue } from "../lib/queue.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { boardView, createBoard, deleteBoard, getBoardOrThrow, listBoards, updateBoard } from "./boards.ts";
import { listContributors, listFeedbackEvents } from "./contributors.ts";
import { exportBoard, postsCsv } from "./export.ts";
import { feedbackImplementation } from "./implementation.ts";
import { flaggedPosts, pendingComments } from "./moderation.ts";
import { pageRoutes } from "./pages.tsx";
import {
  adminPostView,
  commentView,
  getPostOrThrow,
  listPosts,
  type PostRow,
  postComments,
  postTimeline,
} from "./posts.ts";
import { publicRoutes } from "./public.ts";
import {
  AdminCreatePostBody,
  AdminPostSchema,
  BoardParams,
  BoardSchema,
  CommentSchema,
  ContributorSchema,
  CreateBoardBody,
  FeedbackEventSchema,
  IdParams,
  ImplementationSchema,
  MergeBody,
  ModerateBody,
  PostListQuery,
  RangeQuery,
  StatusBody,
  StatusChangeSchema,
  TeamCommentBody,
  UpdateBoardBody,
  UpdatePostBody,
} from "./schemas.ts";
import {
  addComment,
  changeStatus,
  createPost,
  deleteComment,
  deletePost,
  mergePost,
  moderateComment,
  moderatePost,
  reviewHeldVotes,
  updatePost,
} from "./write.ts";

export const feedbackRoutes = newRouter();
const tags = ["Feedback"];
const actorOf = (c: Context<AppEnv>) => {
  const p = c.get("principal");
  return p.kind === "key" ? `key:${p.name}` : p.email;
};
const PostPage = z.object({ data: z.array(AdminPostSchema), nextCursor: z.string().nullable() });

// GET /api/v1/feedback/boards — every board
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/boards",
    tags,
    summary: "List boards",
    responses: { 200: jsonContent(z.object({ data: z.array(BoardSchema) }), "Boards") },
  }),
  async (c) => c.json({ data: (await listBoards(getDb(c.env.DB))).map(boardView) }, 200),
);

// POST /api/v1/feedback/boards — create a board
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/boards",
    tags,
    summary: "Create a board",
    request: { body: jsonBody(CreateBoardBody) },
    responses: {
      201: jsonContent(BoardSchema, "The board"),
      400: problemContent("Invalid"),
      409: problemContent("Slug taken"),
    },
  }),
  async (c) => c.json(boardView(await createBoard(getDb(c.env.DB), c.req.valid("json"))), 201),
);

// PATCH /api/v1/feedback/boards/:board — rename, change visibility or moderation
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "patch",
    path: "/api/v1/feedback/boards/{board}",
    tags,
    summary: "Update a board",
    request: { params: BoardParams, body: jsonBody(UpdateBoardBody) },
    responses: {
      200: jsonContent(BoardSchema, "The board"),
      400: problemContent("Invalid"),
      404: problemContent("No such board"),
      409: problemContent("Slug taken"),
    },
  }),
  async (c) =>
    c.json(boardView(await updateBoard(getDb(c.env.DB), c.req.valid("param").board, c.req.valid("json"))), 200),
);

// DELETE /api/v1/feedback/boards/:board — delete a board with its posts, votes and comments
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "delete",
    path: "/api/v1/feedback/boards/{board}",
    tags,
    summary: "Delete a board",
    request: { params: BoardParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("No such board") },
  }),
  async (c) => {
    await deleteBoard(getDb(c.env.DB), c.req.valid("param").board);
    return c.body(null, 204);
  },
);

// GET /api/v1/feedback/boards/:board/export — the whole board as JSON (posts, timeline, comments) or CSV (posts)
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/boards/{board}/export",
    tags,
    summary: "Export a board",
    request: { params: BoardParams, query: z.object({ format: z.enum(["json", "csv"]).default("json") }) },
    responses: {
      200: {
        description: "The export, as an attachment",
        content: {
          "application/json": { schema: z.object({}).passthrough() },
          "text/csv": { schema: z.string() },
        },
      },
      404: problemContent("No such board"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const board = await getBoardOrThrow(db, c.req.valid("param").board);
    const data = await exportBoard(db, board);
    const csv = c.req.valid("query").format === "csv";
    const name = `${board.slug}-${data.exportedAt.slice(0, 10)}.${csv ? "csv" : "json"}`;
    return new Response(csv ? postsCsv(data.posts) : JSON.stringify(data), {
      headers: {
        "content-type": csv ? "text/csv; charset=utf-8" : "application/json",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    }) as never; // an attachment, not the typed JSON body
  },
);

// GET /api/v1/feedback/posts — triage: filter, search and sort (trending, top, new, status, ice)
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/posts",
    tags,
    summary: "List posts",
    request: { query: PostListQuery.extend({ board: z.string().max(60).optional() }) },
    responses: { 200: jsonContent(PostPage, "Posts"), 404: problemContent("No such board") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const { board, ...q } = c.req.valid("query");
    const boardId = board ? (await getBoardOrThrow(db, board)).id : undefined;
    const page = await listPosts(db, { ...q, boardId });
    return c.json({ data: page.data.map((r) => adminPostView(r, c.env.PUBLIC_URL)), nextCursor: page.nextCursor }, 200);
  },
);

// POST /api/v1/feedback/posts — add a post for someone (from a call, a support ticket) or as the team
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/posts",
    tags,
    summary: "Create a post",
    request: { body: jsonBody(AdminCreatePostBody) },
    responses: {
      201: jsonContent(AdminPostSchema, "The post"),
      400: problemContent("Invalid"),
      404: problemContent("No such board"),
    },
  }),
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
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/posts/{id}",
    tags,
    summary: "Get a post",
    request: { params: IdParams },
    responses: {
      200: jsonContent(
        z.object({ post: AdminPostSchema, timeline: z.array(StatusChangeSchema), comments: z.array(CommentSchema) }),
        "The post",
      ),
      404: problemContent("No such post"),
    },
  }),
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
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "patch",
    path: "/api/v1/feedback/posts/{id}",
    tags,
    summary: "Update a post (title, body, tags, ICE)",
    request: { params: IdParams, body: jsonBody(UpdatePostBody) },
    responses: {
      200: jsonContent(AdminPostSchema, "The post"),
      400: problemContent("Invalid"),
      404: problemContent("No such post"),
    },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    await updatePost(db, row.post, c.req.valid("json"));
    return c.json(adminPostView(await getPostOrThrow(db, row.post.id), c.env.PUBLIC_URL), 200);
  },
);

// POST /api/v1/feedback/posts/:id/status — change status with a public note; voters and author hear
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/status",
    tags,
    summary: "Change a post's status",
    request: { params: IdParams, body: jsonBody(StatusBody) },
    responses: {
      200: jsonContent(AdminPostSchema.extend({ notified: z.number().int() }), "The post"),
      400: problemContent("Invalid"),
      404: problemContent("No such post"),
      409: problemContent("The post is merged"),
    },
  }),
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

// POST /api/v1/feedback/posts/:id/merge — merge this duplicate into another post
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/merge",
    tags,
    summary: "Merge a duplicate into its original",
    request: { params: IdParams, body: jsonBody(MergeBody) },
    responses: {
      200: jsonContent(
        z.object({ duplicate: AdminPostSchema, original: AdminPostSchema, notified: z.number().int() }),
        "Merged",
      ),
      400: problemContent("Invalid"),
      404: problemContent("No such post"),
      409: problemContent("Cannot merge these"),
    },
  }),
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

/** A review action on one post (approve/reject): same shape for pending posts and held votes. */
function reviewRoute(
  path: string,
  summary: string,
  act: (db: ReturnType<typeof getDb>, post: PostRow, action: "approve" | "reject") => Promise<unknown>,
) {
  feedbackRoutes.openapi(
    adminRoute("feedback", {
      method: "post",
      path,
      tags,
      summary,
      request: { params: IdParams, body: jsonBody(ModerateBody) },
      responses: {
        200: jsonContent(AdminPostSchema, "The post"),
        400: problemContent("Invalid"),
        404: problemContent("No such post"),
      },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const row = await getPostOrThrow(db, c.req.valid("param").id);
      await act(db, row.post, c.req.valid("json").action);
      return c.json(adminPostView(await getPostOrThrow(db, row.post.id), c.env.PUBLIC_URL), 200);
    },
  );
}

// POST /api/v1/feedback/posts/:id/moderation — approve or reject a pending post
reviewRoute("/api/v1/feedback/posts/{id}/moderation", "Approve or reject a post", moderatePost);
// POST /api/v1/feedback/posts/:id/held-votes — count or discard votes held as a suspicious burst
reviewRoute("/api/v1/feedback/posts/{id}/held-votes", "Review held votes", reviewHeldVotes);

// DELETE /api/v1/feedback/posts/:id — delete a post with its votes and comments
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "delete",
    path: "/api/v1/feedback/posts/{id}",
    tags,
    summary: "Delete a post",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("No such post") },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const row = await getPostOrThrow(db, c.req.valid("param").id);
    await deletePost(db, row.post);
    return c.body(null, 204);
  },
);

// POST /api/v1/feedback/posts/:id/comments — a team reply, marked as such
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/posts/{id}/comments",
    tags,
    summary: "Reply as the team",
    request: { params: IdParams, body: jsonBody(TeamCommentBody) },
    responses: {
      201: jsonContent(CommentSchema, "The comment"),
      400: problemContent("Invalid"),
      404: problemContent("No such post"),
    },
  }),
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
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/moderation",
    tags,
    summary: "Moderation queue",
    responses: {
      200: jsonContent(
        z.object({
          posts: z.array(AdminPostSchema),
          flagged: z.array(AdminPostSchema),
          comments: z.array(CommentSchema.extend({ postTitle: z.string(), body: z.string() })),
        }),
        "What waits for a person",
      ),
    },
  }),
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
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/comments/{id}/moderation",
    tags,
    summary: "Approve or reject a comment",
    request: { params: IdParams, body: jsonBody(ModerateBody) },
    responses: {
      200: jsonContent(CommentSchema, "The comment"),
      400: problemContent("Invalid"),
      404: problemContent("No such comment"),
    },
  }),
  async (c) => {
    const row = await moderateComment(getDb(c.env.DB), c.req.valid("param").id, c.req.valid("json").action);
    if (!row) throw notFound("No such comment");
    return c.json(commentView(row, null, false), 200);
  },
);

// DELETE /api/v1/feedback/comments/:id — delete a comment
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "delete",
    path: "/api/v1/feedback/comments/{id}",
    tags,
    summary: "Delete a comment",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, 404: problemContent("No such comment") },
  }),
  async (c) => {
    if (!(await deleteComment(getDb(c.env.DB), c.req.valid("param").id))) throw notFound("No such comment");
    return c.body(null, 204);
  },
);

// GET /api/v1/feedback/implementation — Feedback-Implementation Ratio over a date range
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/implementation",
    tags,
    summary: "Feedback-Implementation Ratio",
    description:
      "Count form: posts moved to done / new posts (merged and declined spam excluded). Vote-weighted form: votes on delivered posts / votes on delivered + open posts.",
    request: { query: RangeQuery },
    responses: { 200: jsonContent(ImplementationSchema, "The ratio"), 400: problemContent("Invalid range") },
  }),
  async (c) => c.json(await feedbackImplementation(getDb(c.env.DB), c.req.valid("query")), 200),
);

// GET /api/v1/feedback/contributors — people whose idea reached done (the contributor badge), to reward
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/contributors",
    tags,
    summary: "Contributors (ideas delivered)",
    request: { query: PageQuery.extend({ externalId: z.string().min(1).max(200).optional() }) },
    responses: { 200: jsonContent(page(ContributorSchema), "Contributors") },
  }),
  async (c) => c.json(await listContributors(getDb(c.env.DB), c.req.valid("query")), 200),
);

// GET /api/v1/feedback/events — the loop events kept for the email capability (status changes, merges, digests)
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "get",
    path: "/api/v1/feedback/events",
    tags,
    summary: "Loop events",
    request: { query: PageQuery.extend({ type: z.enum(FEEDBACK_EVENT_TYPES).optional() }) },
    responses: { 200: jsonContent(page(FeedbackEventSchema), "Events, newest first") },
  }),
  async (c) => c.json(await listFeedbackEvents(getDb(c.env.DB), c.req.valid("query")), 200),
);

// POST /api/v1/feedback/events/replay — hand stored loop events (status changes, merges, digests) to the emails capability
feedbackRoutes.openapi(
  adminRoute("feedback", {
    method: "post",
    path: "/api/v1/feedback/events/replay",
    tags,
    summary: "Replay loop events to the emails capability",
    description:
      "Queues every stored `feedback.status_changed`, `feedback.merged` and `feedback.monthly_digest` event (after `after`, an event id) for the emails capability. Each email keeps its first idempotency key, so nobody is emailed twice.",
    request: { body: jsonBody(z.object({ after: z.string().max(64).default("") }).openapi("ReplayFeedbackEvents")) },
    responses: { 202: jsonContent(z.object({ queued: z.literal(true) }), "Queued"), 400: problemContent("Invalid") },
  }),
  async (c) => {
    await enqueue(c.env, { kind: "feedback.replay", cursor: c.req.valid("json").after });
    return c.json({ queued: true as const }, 202);
  },
);

feedbackRoutes.route("/", publicRoutes);
feedbackRoutes.route("/", pageRoutes);
