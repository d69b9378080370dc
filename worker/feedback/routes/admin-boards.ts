// Admin API of feedback boards (scope `feedback`): create, change, delete, export.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent, z } from "../../lib/openapi.ts";
import { boardView } from "../answers.ts";
import { postsCsv } from "../csv.ts";
import {
  BoardListSchema,
  BoardParams,
  BoardSchema,
  CreateBoardBody,
  ExportQuery,
  UpdateBoardBody,
} from "../schemas.ts";
import { createBoard, deleteBoard, getBoardOrThrow, listBoards, updateBoard } from "../store/boards.ts";
import { exportBoard } from "../store/export.ts";

export const adminBoardRoutes = newRouter();
const op = adminOps(adminBoardRoutes, "feedback", ["Feedback"]);
const invalid = problemContent("Invalid");
const noBoard = problemContent("No such board");
const slugTaken = problemContent("Slug taken");

// GET /api/v1/feedback/boards — every board
op(
  {
    method: "get",
    path: "/api/v1/feedback/boards",
    summary: "List boards",
    responses: { 200: jsonContent(BoardListSchema, "Boards") },
  },
  async (c) => c.json({ data: (await listBoards(getDb(c.env.DB))).map(boardView) }, 200),
);

// POST /api/v1/feedback/boards — create a board
op(
  {
    method: "post",
    path: "/api/v1/feedback/boards",
    summary: "Create a board",
    request: { body: jsonBody(CreateBoardBody) },
    responses: { 201: jsonContent(BoardSchema, "The board"), 400: invalid, 409: slugTaken },
  },
  async (c) => c.json(boardView(await createBoard(getDb(c.env.DB), c.req.valid("json"))), 201),
);

// PATCH /api/v1/feedback/boards/:board — rename, change visibility or moderation
op(
  {
    method: "patch",
    path: "/api/v1/feedback/boards/{board}",
    summary: "Update a board",
    request: { params: BoardParams, body: jsonBody(UpdateBoardBody) },
    responses: { 200: jsonContent(BoardSchema, "The board"), 400: invalid, 404: noBoard, 409: slugTaken },
  },
  async (c) =>
    c.json(boardView(await updateBoard(getDb(c.env.DB), c.req.valid("param").board, c.req.valid("json"))), 200),
);

// DELETE /api/v1/feedback/boards/:board — delete a board with its posts, votes and comments
op(
  {
    method: "delete",
    path: "/api/v1/feedback/boards/{board}",
    summary: "Delete a board",
    request: { params: BoardParams },
    responses: { 204: { description: "Deleted" }, 404: noBoard },
  },
  async (c) => {
    await deleteBoard(getDb(c.env.DB), c.req.valid("param").board);
    return c.body(null, 204);
  },
);

// GET /api/v1/feedback/boards/:board/export — the whole board as JSON (posts, timeline, comments) or CSV (posts)
op(
  {
    method: "get",
    path: "/api/v1/feedback/boards/{board}/export",
    summary: "Export a board",
    request: { params: BoardParams, query: ExportQuery },
    responses: {
      200: {
        description: "The export, as an attachment",
        content: {
          "application/json": { schema: z.object({}).passthrough() },
          "text/csv": { schema: z.string() },
        },
      },
      404: noBoard,
    },
  },
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
