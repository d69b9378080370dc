// Public pages: /feedback/:board, /feedback/:board/:post, /roadmap, Atom feeds, the monthly digest,
// and the forms that post, vote and comment from them. Anonymous views are the same for everyone and
// cached (page-cache.ts); identified ones are private.
import type { Context } from "hono";
import { Hono } from "hono";
import { readSession, visitorWrite } from "../../lib/d1-session.ts";
import type { AppEnv } from "../../lib/env.ts";
import { readForm } from "../../lib/forms.ts";
import { identityTokenOf, requireVisitor } from "../../lib/identity.ts";
import type { z } from "../../lib/openapi.ts";
import { badRequest, fieldErrors, notFound } from "../../lib/problem.ts";
import { rateLimit } from "../../lib/rate-limit.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { isDigestMonth } from "../digest.ts";
import {
  BoardPostParams,
  CommentBody,
  PostForm,
  PublicPostListQuery,
  RoadmapQuery,
  Slug,
  VoteForm,
} from "../schemas.ts";
import type { Board } from "../store/boards.ts";
import { listCategories } from "../store/categories.ts";
import { addComment } from "../store/comments.ts";
import { digestOf } from "../store/digest.ts";
import { createPost } from "../store/posts.ts";
import { publicCategories, roadmapColumns } from "../store/roadmap.ts";
import { statusFeed } from "../store/status-changes.ts";
import { boardPosts, postThread } from "../store/visitor-reads.ts";
import { castVote, removeVote } from "../store/votes.ts";
import { SUGGEST_JS } from "../suggest-script.ts";
import { atomFeed, boardHtml, cardOf, digestHtml, postHtml, roadmapHtml } from "../views.tsx";
import {
  pathAndQuery,
  sameOrigin,
  sharedCopy,
  softVisitor,
  visibleBoard,
  visiblePost,
  voteOn,
  voteThrottle,
} from "./visitor.ts";

export const publicPageRoutes = new Hono<AppEnv>();

const html = (body: string) => ({ body, type: "text/html; charset=utf-8" });
const ATOM = "application/atom+xml; charset=utf-8";

function slugOr404(value: string) {
  const r = Slug.safeParse(value);
  if (!r.success) throw notFound("No such board");
  return r.data;
}

/** Query parameters of the board page; the filter form sends empty fields for "any". */
function boardQuery(c: Context<AppEnv>) {
  const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
  const r = PublicPostListQuery.safeParse({ limit: 30, ...raw });
  if (!r.success) throw badRequest("Some filters are not valid", fieldErrors(r.error.issues, "query"));
  return r.data;
}

/** Anonymous: the shared cached copy. With an identity token: rendered for this visitor, private. */
async function serve(
  c: Context<AppEnv>,
  slug: string | null,
  render: (board: Board | null) => Promise<{ body: string; type: string }>,
) {
  if (!identityTokenOf(c)) return sharedCopy(c, pathAndQuery(c), slug, render);
  const board = slug ? await visibleBoard(c, slug) : null;
  const { body, type } = await render(board);
  return new Response(body, { headers: { "content-type": type, "cache-control": "private, no-store" } });
}

// GET /feedback.js — similar-post suggestions for the board page's "Post an idea" form
publicPageRoutes.get(
  "/feedback.js",
  () =>
    new Response(SUGGEST_JS, {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" },
    }),
);

// GET /roadmap — Planned / In progress / Done (recent) across public boards
publicPageRoutes.get("/roadmap", softVisitor, (c) => {
  const r = RoadmapQuery.safeParse(c.req.query());
  if (!r.success) throw badRequest("Some filters are not valid", fieldErrors(r.error.issues, "query"));
  const { category } = r.data;
  return serve(c, null, async () => {
    const db = await readSession(c);
    const [columns, categories] = await Promise.all([roadmapColumns(db, Date.now(), category), publicCategories(db)]);
    return html(roadmapHtml({ ...columns, categories, category }));
  });
});

// GET /roadmap/feed.atom — status changes on every public board
publicPageRoutes.get("/roadmap/feed.atom", (c) =>
  serve(c, null, async () => ({
    type: ATOM,
    body: atomFeed({
      title: "Roadmap updates",
      selfUrl: `${c.env.PUBLIC_URL}/roadmap/feed.atom`,
      siteUrl: `${c.env.PUBLIC_URL}/roadmap`,
      baseUrl: c.env.PUBLIC_URL,
      entries: await statusFeed(await readSession(c)),
    }),
  })),
);

// GET /roadmap/digest/:month — the monthly digest (top-voted ideas and what shipped)
publicPageRoutes.get("/roadmap/digest/:month", (c) => {
  const month = c.req.param("month");
  if (!isDigestMonth(month, Date.now())) throw notFound("No digest for that month");
  return serve(c, null, async () => html(digestHtml(await digestOf(await readSession(c), month, c.env.PUBLIC_URL))));
});

// GET /feedback/:board/feed.atom — status changes on one board
publicPageRoutes.get("/feedback/:board/feed.atom", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), async (b) => {
    const board = b as Board;
    return {
      type: ATOM,
      body: atomFeed({
        title: `${board.name}: updates`,
        selfUrl: `${c.env.PUBLIC_URL}/feedback/${board.slug}/feed.atom`,
        siteUrl: `${c.env.PUBLIC_URL}/feedback/${board.slug}`,
        baseUrl: c.env.PUBLIC_URL,
        entries: await statusFeed(await readSession(c), board.id),
      }),
    };
  });
});

// GET /feedback/:board — the board: sort, filter by status and tag, search, vote
publicPageRoutes.get("/feedback/:board", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), async (b) => {
    const board = b as Board;
    const query = boardQuery(c);
    const visitor = c.get("visitor");
    const db = await readSession(c);
    const [page, categories] = await Promise.all([
      boardPosts(db, board.id, query, visitor?.contactId),
      listCategories(db, board.id),
    ]);
    return html(
      boardHtml({
        board,
        categories,
        cards: page.data.map(cardOf),
        query: { sort: query.sort, status: query.status, tag: query.tag, category: query.category, q: query.q },
        nextCursor: page.nextCursor,
        voted: page.voted,
        identified: Boolean(visitor),
      }),
    );
  });
});

// GET /feedback/:board/:post — the post, its timeline and comments
publicPageRoutes.get("/feedback/:board/:post", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), async (b) => {
    const board = b as Board;
    const row = await visiblePost(c, board, c.req.param("post").slice(0, 64));
    const visitor = c.get("visitor");
    const thread = await postThread(await readSession(c), row.post.id, visitor?.contactId);
    const card = {
      ...cardOf(row),
      bodyHtml: row.post.bodyHtml,
      createdAt: row.post.createdAt,
      mergedIntoId: row.post.mergedIntoId,
    };
    return html(postHtml({ board, card, ...thread, identified: Boolean(visitor) }));
  });
});

async function form<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const body = await readForm(c);
  const r = schema.safeParse(body);
  if (!r.success) throw badRequest("Some fields are not valid", fieldErrors(r.error.issues, "form"));
  return r.data;
}

const postParams = (c: Context<AppEnv>) => {
  const r = BoardPostParams.safeParse(c.req.param());
  if (!r.success) throw notFound("No such post");
  return r.data;
};

// POST /feedback/:board/posts — post an idea from the board page (no JavaScript needed)
publicPageRoutes.post("/feedback/:board/posts", sameOrigin, requireVisitor(), rateLimit("feedback.post"), async (c) => {
  const board = await visibleBoard(c, slugOr404(c.req.param("board")));
  const input = await form(c, PostForm);
  const post = await visitorWrite(c, (db) =>
    createPost(db, board, { ...input, tags: [], authorId: c.get("visitor").contactId, trusted: false }),
  );
  c.executionCtx.waitUntil(kickWebhooks(c.env));
  return c.redirect(
    post.moderation === "approved" ? `/feedback/${board.slug}/${post.id}` : `/feedback/${board.slug}`,
    303,
  );
});

// POST /feedback/:board/:post/vote — vote or unvote from a page; back to the post
publicPageRoutes.post("/feedback/:board/:post/vote", sameOrigin, requireVisitor(), voteThrottle, async (c) => {
  const params = postParams(c);
  const { action } = await form(c, VoteForm);
  await voteOn(c, params, action === "vote" ? castVote : removeVote);
  return c.redirect(`/feedback/${params.board}/${params.post}`, 303);
});

// POST /feedback/:board/:post/comments — comment from the post page
publicPageRoutes.post(
  "/feedback/:board/:post/comments",
  sameOrigin,
  requireVisitor(),
  rateLimit("feedback.comment"),
  async (c) => {
    const { board: slug, post: postId } = postParams(c);
    const board = await visibleBoard(c, slug);
    const row = await visiblePost(c, board, postId);
    const { body } = await form(c, CommentBody);
    await visitorWrite(c, (db) =>
      addComment(
        db,
        { post: row.post, boardSlug: board.slug, moderated: board.moderated },
        { authorId: c.get("visitor").contactId, team: false, body },
      ),
    );
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.redirect(`/feedback/${board.slug}/${row.post.id}`, 303);
  },
);
