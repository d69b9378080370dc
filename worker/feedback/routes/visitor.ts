// What the visitor routes share: who may see a board or post, CSRF for forms, and the anonymous page cache.
import type { Context, MiddlewareHandler } from "hono";
import { readFound, readSession, visitorBatch } from "../../lib/d1-session.ts";
import { type Db, getDb } from "../../lib/db.ts";
import type { AppEnv } from "../../lib/env.ts";
import { optionalVisitor } from "../../lib/identity.ts";
import { notFound, Problem } from "../../lib/problem.ts";
import { isolateRateLimit } from "../../lib/rate-limit.ts";
import { votesPerMinute } from "../limits.ts";
import { cachedResponse } from "../page-cache.ts";
import { allBoardsVersion, type Board, getBoard } from "../store/boards.ts";
import { getPost } from "../store/posts.ts";
import type { VoteTarget, VoteWrite } from "../store/votes.ts";

/** The board, refusing anonymous visitors of an identified-only board. */
export async function visibleBoard(c: Context<AppEnv>, slug: string): Promise<Board> {
  const board = await readFound(c, (db) => getBoard(db, slug));
  if (!board) throw notFound("No such board");
  if (board.visibility === "identified" && !c.get("visitor")) {
    throw new Problem(401, "unauthorized", "This board is for signed-in users of the product");
  }
  return board;
}

/** The approved, visible post on that board. */
export async function visiblePost(c: Context<AppEnv>, board: Board, postId: string) {
  const row = await readFound(c, (db) => getPost(db, postId));
  if (!row || row.post.boardId !== board.id || row.post.moderation !== "approved") throw notFound("No such post");
  return row;
}

/** The vote throttle (VOTES_PER_MINUTE), kept in the isolate: see `isolateRateLimit`. */
export const voteThrottle = isolateRateLimit("feedback.vote", votesPerMinute);

/**
 * The visitor's vote on the post in the path, cast or taken back in one batch (store/votes.ts, shared
 * with the writes arriving at the same moment) that also says when there was nothing to vote on: no
 * such post (404), or it was merged (409).
 */
export async function voteOn(
  c: Context<AppEnv>,
  params: { board: string; post: string },
  vote: (db: Db, target: VoteTarget) => VoteWrite,
) {
  const write = vote(getDb(c.env.DB), {
    boardSlug: params.board,
    postId: params.post,
    contactId: c.get("visitor").contactId,
  });
  const { post, vote: answer } = write.outcome(await visitorBatch(c, write.statements));
  if (post?.moderation !== "approved") throw notFound("No such post");
  if (post.status === "merged") {
    throw new Problem(409, "conflict", "This post was merged: vote on the original", {
      mergedIntoId: post.mergedIntoId,
    });
  }
  return answer;
}

/** The visitor named by the identity cookie, if it is valid; a stale cookie just means anonymous here. */
export const softVisitor: MiddlewareHandler<AppEnv> = async (c, next) => {
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
export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
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

export const pathAndQuery = (c: Context<AppEnv>) => {
  const u = new URL(c.req.url);
  return `${u.pathname}${u.search}`;
};

/**
 * What every anonymous visitor sees alike, served from the isolate's page cache under `key` while
 * the board's version (all boards' when `slug` is null) holds. The board is looked up only when the
 * cache needs it, so a fresh hit costs no D1 read; `render` gets it (null for cross-board pages).
 */
export function sharedCopy(
  c: Context<AppEnv>,
  key: string,
  slug: string | null,
  render: (board: Board | null) => Promise<{ body: string; type: string }>,
) {
  let board: Board | null = null;
  return cachedResponse(c.req.raw, key, {
    version: async () => {
      if (!slug) return { version: await allBoardsVersion(await readSession(c)), boards: ["*"] };
      board = await visibleBoard(c, slug);
      return { version: `${board.id}:${board.version}`, boards: [board.id] };
    },
    render: () => render(board),
  });
}
