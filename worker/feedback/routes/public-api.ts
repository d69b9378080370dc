// Public JSON API for visitors: anonymous reads, identified writes (the host app's identity token).
import type { Context, MiddlewareHandler } from "hono";
import { readSession, visitorWrite } from "../../lib/d1-session.ts";
import type { AppEnv } from "../../lib/env.ts";
import { identityTokenOf, optionalVisitor, requireVisitor } from "../../lib/identity.ts";
import { createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { Problem } from "../../lib/problem.ts";
import { rateLimit } from "../../lib/rate-limit.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { boardView, commentView, postView } from "../answers.ts";
import { POST_WINDOW_MS, POSTS_PER_HOUR } from "../limits.ts";
import { freshHit } from "../page-cache.ts";
import {
  BoardParams,
  BoardPostParams,
  CommentBody,
  CommentSchema,
  CreatedPostSchema,
  CreatePostBody,
  PostDetailSchema,
  PublicBoardSchema,
  PublicPostListQuery,
  SimilarQuery,
  SimilarSchema,
  VoteResultSchema,
} from "../schemas.ts";
import type { Board } from "../store/boards.ts";
import { listCategories } from "../store/categories.ts";
import { addComment } from "../store/comments.ts";
import { countPostsSince, createPost, getPost, similarPosts } from "../store/posts.ts";
import { boardPosts, postThread } from "../store/visitor-reads.ts";
import { castVote, removeVote } from "../store/votes.ts";
import { pathAndQuery, sharedCopy, visibleBoard, visiblePost, voteOn, voteThrottle } from "./visitor.ts";

export const publicApiRoutes = newRouter();
const tags = ["Feedback (visitors)"];
const identified = [{ identityToken: [] }];
const refusals = {
  401: problemContent("No valid identity token (or the board is for identified visitors)"),
  404: problemContent("No such board or post"),
  429: problemContent("Too many writes: try again later"),
};

const jsonKey = (c: Context<AppEnv>) => `json:${pathAndQuery(c)}`;

/** Anonymous reads of a board's JSON: a fresh cached copy is served before any validation or D1 read. */
const anonymousHit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const hit = identityTokenOf(c) ? null : freshHit(c.req.raw, jsonKey(c));
  if (hit) return hit;
  await next();
};

// GET /api/v1/boards/:board — the board and a page of its posts (what /feedback/:board shows)
publicApiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/boards/{board}",
    tags,
    summary: "A board and its posts",
    middleware: [anonymousHit, optionalVisitor()] as const,
    request: { params: BoardParams, query: PublicPostListQuery },
    responses: { 200: jsonContent(PublicBoardSchema, "The board"), ...refusals },
  }),
  async (c) => {
    const slug = c.req.valid("param").board;
    const render = async (board: Board) => {
      const db = await readSession(c);
      const [page, categories] = await Promise.all([
        boardPosts(db, board.id, c.req.valid("query"), c.get("visitor")?.contactId),
        listCategories(db, board.id),
      ]);
      return {
        board: boardView(board, categories),
        data: page.data.map((r) => ({ ...postView(r, c.env.PUBLIC_URL), voted: page.voted.has(r.post.id) })),
        nextCursor: page.nextCursor,
      };
    };
    if (!identityTokenOf(c)) {
      // What every anonymous visitor sees alike: served from the isolate while the board's version holds.
      const res = await sharedCopy(c, jsonKey(c), slug, async (board) => ({
        body: JSON.stringify(await render(board as Board)),
        type: "application/json",
      }));
      return res as never; // the same JSON as below, already serialised
    }
    c.header("cache-control", "private, no-store");
    return c.json(await render(await visibleBoard(c, slug)), 200);
  },
);

// GET /api/v1/boards/:board/posts/:post — a post, its timeline and approved comments
publicApiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/boards/{board}/posts/{post}",
    tags,
    summary: "A post",
    middleware: [optionalVisitor()] as const,
    request: { params: BoardPostParams },
    responses: { 200: jsonContent(PostDetailSchema, "The post"), ...refusals },
  }),
  async (c) => {
    const { board: slug, post: postId } = c.req.valid("param");
    const board = await visibleBoard(c, slug);
    const row = await visiblePost(c, board, postId);
    const thread = await postThread(await readSession(c), postId, c.get("visitor")?.contactId);
    return c.json({ post: postView(row, c.env.PUBLIC_URL), ...thread }, 200);
  },
);

// GET /api/v1/boards/:board/similar — posts like the one being typed (suggested before posting)
publicApiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/v1/boards/{board}/similar",
    tags,
    summary: "Similar posts",
    middleware: [optionalVisitor()] as const,
    request: { params: BoardParams, query: SimilarQuery },
    responses: { 200: jsonContent(SimilarSchema, "Best matches first"), 400: problemContent("Invalid"), ...refusals },
  }),
  async (c) => {
    const board = await visibleBoard(c, c.req.valid("param").board);
    const { q, limit } = c.req.valid("query");
    const rows = await similarPosts(await readSession(c), board.id, q, limit);
    return c.json(
      {
        data: rows.map((r) => {
          const v = postView({ ...r, authorName: null, contributor: false }, c.env.PUBLIC_URL);
          return { id: v.id, title: v.title, status: v.status, voteCount: v.voteCount, url: v.url };
        }),
      },
      200,
    );
  },
);

// POST /api/v1/boards/:board/posts — an identified visitor posts an idea
publicApiRoutes.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/boards/{board}/posts",
    tags,
    summary: "Post an idea",
    security: identified,
    middleware: [requireVisitor(), rateLimit("feedback.post")] as const,
    request: {
      params: BoardParams,
      body: jsonBody(CreatePostBody),
    },
    responses: { 201: jsonContent(CreatedPostSchema, "The post"), 400: problemContent("Invalid"), ...refusals },
  }),
  async (c) => {
    const board = await visibleBoard(c, c.req.valid("param").board);
    const visitor = c.get("visitor");
    const post = await visitorWrite(c, async (db) => {
      if ((await countPostsSince(db, visitor.contactId, Date.now() - POST_WINDOW_MS)) >= POSTS_PER_HOUR) {
        throw new Problem(
          429,
          "rate-limited",
          "You have posted a lot in the last hour: try again later",
          {},
          { "retry-after": "3600" },
        );
      }
      return createPost(db, board, { ...c.req.valid("json"), authorId: visitor.contactId, trusted: false });
    });
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    const row = await getPost(await readSession(c), post.id);
    return c.json({ ...postView(row as NonNullable<typeof row>, c.env.PUBLIC_URL), moderation: post.moderation }, 201);
  },
);

const voteRoute = (method: "put" | "delete") =>
  createRoute({
    method,
    path: "/api/v1/boards/{board}/posts/{post}/vote",
    tags,
    summary: method === "put" ? "Vote (idempotent)" : "Remove my vote (idempotent)",
    security: identified,
    middleware: [requireVisitor(), voteThrottle] as const,
    request: { params: BoardPostParams },
    responses: { 200: jsonContent(VoteResultSchema, "The vote"), ...refusals, 409: problemContent("Closed post") },
  });

// PUT /api/v1/boards/:board/posts/:post/vote — vote; voting twice is one vote
publicApiRoutes.openapi(voteRoute("put"), async (c) => c.json(await voteOn(c, c.req.valid("param"), castVote), 200));

// DELETE /api/v1/boards/:board/posts/:post/vote — take the vote back
publicApiRoutes.openapi(voteRoute("delete"), async (c) =>
  c.json(await voteOn(c, c.req.valid("param"), removeVote), 200),
);

// POST /api/v1/boards/:board/posts/:post/comments — an identified visitor comments
publicApiRoutes.openapi(
  createRoute({
    method: "post",
    path: "/api/v1/boards/{board}/posts/{post}/comments",
    tags,
    summary: "Comment on a post",
    security: identified,
    middleware: [requireVisitor(), rateLimit("feedback.comment")] as const,
    request: {
      params: BoardPostParams,
      body: jsonBody(CommentBody),
    },
    responses: { 201: jsonContent(CommentSchema, "The comment"), 400: problemContent("Invalid"), ...refusals },
  }),
  async (c) => {
    const { board: slug, post: postId } = c.req.valid("param");
    const board = await visibleBoard(c, slug);
    const row = await visiblePost(c, board, postId);
    const visitor = c.get("visitor");
    const comment = await visitorWrite(c, (db) =>
      addComment(
        db,
        { post: row.post, boardSlug: board.slug, moderated: board.moderated },
        { authorId: visitor.contactId, team: false, body: c.req.valid("json").body },
      ),
    );
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json(commentView(comment, visitor.name, false), 201);
  },
);
