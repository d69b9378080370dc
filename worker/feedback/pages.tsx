// Public pages: /feedback/:board, /feedback/:board/:post, /roadmap, Atom feeds, the monthly digest.
// Anonymous views are the same for everyone and cached (page-cache.ts); identified ones are private.
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { readForm } from "../lib/forms.ts";
import { identityTokenOf, optionalVisitor, requireVisitor } from "../lib/identity.ts";
import { z } from "../lib/openapi.ts";
import { badRequest, fieldErrors, notFound, Problem } from "../lib/problem.ts";
import { rateLimit } from "../lib/rate-limit.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import type { Board } from "./boards.ts";
import { digestOf, monthOf } from "./digest.ts";
import { cachedResponse } from "./page-cache.ts";
import { listPosts, postComments, postTimeline, votedPostIds } from "./posts.ts";
import { visibleBoard, visiblePost } from "./public.ts";
import { allBoardsVersion, roadmapColumns, statusFeed } from "./roadmap.ts";
import { BoardPostParams, CommentBody, CreatePostBody, PublicPostListQuery, Slug } from "./schemas.ts";
import { SUGGEST_JS } from "./suggest-script.ts";
import { atomFeed, BoardPage, type Card, DigestPage, PostPage, RoadmapPage } from "./views.tsx";
import { addComment, castVote, createPost, removeVote } from "./write.ts";

export const pageRoutes = new Hono<AppEnv>();

/** The visitor named by the identity cookie, if it is valid; a stale cookie just means anonymous here. */
const softVisitor: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await optionalVisitor()(c, async () => {});
  } catch {
    // reading stays open to anyone; only writes insist on a valid token
  }
  await next();
};

/**
 * Form posts ride on the identity cookie: refuse them from other sites (CSRF). Browsers send
 * Sec-Fetch-Site, which a page cannot forge; without it, the Origin must be this host.
 */
const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  let ok = false;
  if (site) ok = site === "same-origin";
  else if (origin) {
    const host = URL.canParse(origin) ? new URL(origin).host : "";
    ok =
      host === new URL(c.req.url).host || host === c.req.header("host") || origin === new URL(c.env.PUBLIC_URL).origin;
  }
  if (!ok) throw new Problem(403, "forbidden", "Forms must be sent from this site");
  await next();
};

const html = (body: string) => ({ body: `<!doctype html>${body}`, type: "text/html; charset=utf-8" });
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

const toCard = (r: Awaited<ReturnType<typeof listPosts>>["data"][number]): Card => ({
  id: r.post.id,
  title: r.post.title,
  status: r.post.status,
  voteCount: r.post.voteCount,
  commentCount: r.post.commentCount,
  tags: r.post.tags,
  boardSlug: r.boardSlug,
  authorName: r.authorName,
  contributor: Boolean(r.contributor),
});

async function renderBoard(c: Context<AppEnv>, board: Board) {
  const db = getDb(c.env.DB);
  const query = boardQuery(c);
  const page = await listPosts(db, { ...query, boardId: board.id, moderation: "approved" });
  const visitor = c.get("visitor");
  const voted = visitor
    ? await votedPostIds(
        db,
        visitor.contactId,
        page.data.map((r) => r.post.id),
      )
    : new Set<string>();
  return html(
    String(
      <BoardPage
        board={board}
        cards={page.data.map(toCard)}
        query={{ sort: query.sort, status: query.status, tag: query.tag, q: query.q }}
        nextCursor={page.nextCursor}
        voted={voted}
        identified={Boolean(visitor)}
      />,
    ),
  );
}

/**
 * A request with no identity token sees what every anonymous visitor sees: served from the page cache,
 * checked against the board's version (or all boards' for cross-board pages). With a token: private.
 * The board is looked up only when the cache needs it, so a fresh hit costs no D1 read.
 */
async function serve(
  c: Context<AppEnv>,
  slug: string | null,
  render: (board: Board | null) => Promise<{ body: string; type: string }>,
) {
  if (!identityTokenOf(c)) {
    let board: Board | null = null;
    return cachedResponse(c.req.raw, pathAndQuery(c), {
      version: async () => {
        if (!slug) return { version: await allBoardsVersion(getDb(c.env.DB)), boards: ["*"] };
        board = await visibleBoard(c, slug);
        return { version: `${board.id}:${board.version}`, boards: [board.id] };
      },
      render: () => render(board),
    });
  }
  const board = slug ? await visibleBoard(c, slug) : null;
  const { body, type } = await render(board);
  return new Response(body, { headers: { "content-type": type, "cache-control": "private, no-store" } });
}

const pathAndQuery = (c: Context<AppEnv>) => {
  const u = new URL(c.req.url);
  return `${u.pathname}${u.search}`;
};

// GET /feedback.js — similar-post suggestions for the board page's "Post an idea" form
pageRoutes.get(
  "/feedback.js",
  () =>
    new Response(SUGGEST_JS, {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" },
    }),
);

// GET /roadmap — Planned / In progress / Done (recent) across public boards
pageRoutes.get("/roadmap", softVisitor, (c) =>
  serve(c, null, async () => html(String(<RoadmapPage {...(await roadmapColumns(getDb(c.env.DB)))} />))),
);

// GET /roadmap/feed.atom — status changes on every public board
pageRoutes.get("/roadmap/feed.atom", (c) =>
  serve(c, null, async () => ({
    type: ATOM,
    body: atomFeed({
      title: "Roadmap updates",
      selfUrl: `${c.env.PUBLIC_URL}/roadmap/feed.atom`,
      siteUrl: `${c.env.PUBLIC_URL}/roadmap`,
      baseUrl: c.env.PUBLIC_URL,
      entries: await statusFeed(getDb(c.env.DB)),
    }),
  })),
);

// GET /roadmap/digest/:month — the monthly digest (top-voted ideas and what shipped)
pageRoutes.get("/roadmap/digest/:month", (c) => {
  const month = c.req.param("month");
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || month > monthOf(Date.now())) throw notFound("No digest for that month");
  return serve(c, null, async () =>
    html(String(<DigestPage {...(await digestOf(getDb(c.env.DB), month, c.env.PUBLIC_URL))} />)),
  );
});

// GET /feedback/:board/feed.atom — status changes on one board
pageRoutes.get("/feedback/:board/feed.atom", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), async (b) => {
    const board = b as Board;
    return {
      type: ATOM,
      body: atomFeed({
        title: `${board.name}: updates`,
        selfUrl: `${c.env.PUBLIC_URL}/feedback/${board.slug}/feed.atom`,
        siteUrl: `${c.env.PUBLIC_URL}/feedback/${board.slug}`,
        baseUrl: c.env.PUBLIC_URL,
        entries: await statusFeed(getDb(c.env.DB), board.id),
      }),
    };
  });
});

// GET /feedback/:board — the board: sort, filter by status and tag, search, vote
pageRoutes.get("/feedback/:board", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), (board) => renderBoard(c, board as Board));
});

// GET /feedback/:board/:post — the post, its timeline and comments
pageRoutes.get("/feedback/:board/:post", softVisitor, async (c) => {
  return serve(c, slugOr404(c.req.param("board")), async (b) => {
    const board = b as Board;
    const row = await visiblePost(c, board, c.req.param("post").slice(0, 64));
    const db = getDb(c.env.DB);
    const visitor = c.get("visitor");
    const [timeline, comments, voted] = await Promise.all([
      postTimeline(db, row.post.id),
      postComments(db, row.post.id, { approvedOnly: true }),
      visitor ? votedPostIds(db, visitor.contactId, [row.post.id]) : Promise.resolve(new Set<string>()),
    ]);
    const card = {
      ...toCard(row),
      bodyHtml: row.post.bodyHtml,
      createdAt: row.post.createdAt,
      mergedIntoId: row.post.mergedIntoId,
    };
    return html(
      String(
        <PostPage
          board={board}
          card={card}
          timeline={timeline}
          comments={comments}
          voted={voted.has(row.post.id)}
          identified={Boolean(visitor)}
        />,
      ),
    );
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
pageRoutes.post("/feedback/:board/posts", sameOrigin, requireVisitor(), rateLimit("feedback.post"), async (c) => {
  const board = await visibleBoard(c, slugOr404(c.req.param("board")));
  const input = await form(c, CreatePostBody.omit({ tags: true }));
  const post = await createPost(getDb(c.env.DB), board, {
    ...input,
    tags: [],
    authorId: c.get("visitor").contactId,
    trusted: false,
  });
  c.executionCtx.waitUntil(kickWebhooks(c.env));
  return c.redirect(
    post.moderation === "approved" ? `/feedback/${board.slug}/${post.id}` : `/feedback/${board.slug}`,
    303,
  );
});

// POST /feedback/:board/:post/vote — vote or unvote from a page; back to the post
pageRoutes.post("/feedback/:board/:post/vote", sameOrigin, requireVisitor(), rateLimit("feedback.vote"), async (c) => {
  const { board: slug, post: postId } = postParams(c);
  const board = await visibleBoard(c, slug);
  const row = await visiblePost(c, board, postId);
  if (row.post.status === "merged") throw new Problem(409, "conflict", "This post was merged: vote on the original");
  const { action } = await form(c, z.object({ action: z.enum(["vote", "unvote"]) }));
  const db = getDb(c.env.DB);
  if (action === "vote") await castVote(db, row.post, c.get("visitor").contactId);
  else await removeVote(db, row.post, c.get("visitor").contactId);
  return c.redirect(`/feedback/${board.slug}/${row.post.id}`, 303);
});

// POST /feedback/:board/:post/comments — comment from the post page
pageRoutes.post(
  "/feedback/:board/:post/comments",
  sameOrigin,
  requireVisitor(),
  rateLimit("feedback.comment"),
  async (c) => {
    const { board: slug, post: postId } = postParams(c);
    const board = await visibleBoard(c, slug);
    const row = await visiblePost(c, board, postId);
    const { body } = await form(c, CommentBody);
    await addComment(
      getDb(c.env.DB),
      { post: row.post, boardSlug: board.slug, moderated: board.moderated },
      { authorId: c.get("visitor").contactId, team: false, body },
    );
    c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.redirect(`/feedback/${board.slug}/${row.post.id}`, 303);
  },
);
