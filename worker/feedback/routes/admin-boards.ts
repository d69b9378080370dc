// Admin API of feedback boards (scope `feedback`): create, change, delete, export.
import { getDb } from "../../lib/db.ts";
import { adminOps, jsonBody, jsonContent, newRouter, problemContent, z } from "../../lib/openapi.ts";
import { boardView, categoryView } from "../answers.ts";
import { postsCsv } from "../csv.ts";
import {
  BoardListSchema,
  BoardParams,
  BoardSchema,
  CategoryBody,
  CategoryListSchema,
  CategoryOrderBody,
  CategoryParams,
  CategorySchema,
  CreateBoardBody,
  ExportQuery,
  UpdateBoardBody,
} from "../schemas.ts";
import { createBoard, deleteBoard, getBoardOrThrow, listBoards, updateBoard } from "../store/boards.ts";
import {
  categoriesByBoard,
  createCategory,
  deleteCategory,
  listCategories,
  renameCategory,
  reorderCategories,
} from "../store/categories.ts";
import { exportBoard } from "../store/export.ts";

export const adminBoardRoutes = newRouter();
const op = adminOps(adminBoardRoutes, "feedback", ["Feedback"]);
const invalid = problemContent("Invalid");
const noBoard = problemContent("No such board");
const slugTaken = problemContent("Slug taken");
const noCategory = problemContent("No such board or category");

// GET /api/v1/feedback/boards — every board
op(
  {
    method: "get",
    path: "/api/v1/feedback/boards",
    summary: "List boards",
    responses: { 200: jsonContent(BoardListSchema, "Boards") },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const [boards, categories] = await Promise.all([listBoards(db), categoriesByBoard(db)]);
    return c.json({ data: boards.map((b) => boardView(b, categories.get(b.id))) }, 200);
  },
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
  async (c) => {
    const db = getDb(c.env.DB);
    const board = await updateBoard(db, c.req.valid("param").board, c.req.valid("json"));
    return c.json(boardView(board, await listCategories(db, board.id)), 200);
  },
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

// GET /api/v1/feedback/boards/:board/categories — the board's categories, in order
op(
  {
    method: "get",
    path: "/api/v1/feedback/boards/{board}/categories",
    summary: "List a board's categories",
    request: { params: BoardParams },
    responses: { 200: jsonContent(CategoryListSchema, "In the order the board shows them"), 404: noBoard },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const board = await getBoardOrThrow(db, c.req.valid("param").board);
    return c.json({ data: (await listCategories(db, board.id)).map(categoryView) }, 200);
  },
);

// POST /api/v1/feedback/boards/:board/categories — add a category, last in order
op(
  {
    method: "post",
    path: "/api/v1/feedback/boards/{board}/categories",
    summary: "Add a category",
    description: "Names are unique per board whatever their case.",
    request: { params: BoardParams, body: jsonBody(CategoryBody) },
    responses: {
      201: jsonContent(CategorySchema, "The category"),
      400: invalid,
      404: noBoard,
      409: problemContent("Name taken"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const board = await getBoardOrThrow(db, c.req.valid("param").board);
    return c.json(categoryView(await createCategory(db, board, c.req.valid("json").name)), 201);
  },
);

// PUT /api/v1/feedback/boards/:board/categories — reorder: every category once, in the new order
op(
  {
    method: "put",
    path: "/api/v1/feedback/boards/{board}/categories",
    summary: "Reorder categories",
    request: { params: BoardParams, body: jsonBody(CategoryOrderBody) },
    responses: { 200: jsonContent(CategoryListSchema, "In the new order"), 400: invalid, 404: noBoard },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const board = await getBoardOrThrow(db, c.req.valid("param").board);
    const rows = await reorderCategories(db, board, c.req.valid("json").ids);
    return c.json({ data: rows.map(categoryView) }, 200);
  },
);

// PATCH /api/v1/feedback/boards/:board/categories/:id — rename
op(
  {
    method: "patch",
    path: "/api/v1/feedback/boards/{board}/categories/{id}",
    summary: "Rename a category",
    request: { params: CategoryParams, body: jsonBody(CategoryBody) },
    responses: {
      200: jsonContent(CategorySchema, "The category"),
      400: invalid,
      404: noCategory,
      409: problemContent("Name taken"),
    },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const { board: slug, id } = c.req.valid("param");
    const board = await getBoardOrThrow(db, slug);
    return c.json(categoryView(await renameCategory(db, board, id, c.req.valid("json").name)), 200);
  },
);

// DELETE /api/v1/feedback/boards/:board/categories/:id — delete; its posts stay, uncategorised
op(
  {
    method: "delete",
    path: "/api/v1/feedback/boards/{board}/categories/{id}",
    summary: "Delete a category",
    description: "The category's posts stay on the board without a category.",
    request: { params: CategoryParams },
    responses: { 204: { description: "Deleted" }, 404: noCategory },
  },
  async (c) => {
    const db = getDb(c.env.DB);
    const { board: slug, id } = c.req.valid("param");
    await deleteCategory(db, await getBoardOrThrow(db, slug), id);
    return c.body(null, 204);
  },
);
