import { SignJWT } from "jose";
import type { BenchContext, BenchSuite } from "./types.ts";

const BOARD = "bench";
const POSTS = 5_000;
const VOTE_POST = "fbp_bench_00001";
/** Filled in by prepare: the identity token of the bench voter. */
const voteHeaders: Record<string, string> = {};
let toggle = false;

/** A board of 5,000 posts (one INSERT … SELECT; the FTS triggers index each one). */
async function prepare(ctx: BenchContext) {
  const now = Date.now();
  await ctx.d1
    .prepare(
      `insert into feedback_boards (id, slug, name, visibility, moderated, version, created_at, updated_at)
       values ('fbb_bench', ?1, 'Bench board', 'public', 0, 0, ?2, ?2) on conflict do nothing`,
    )
    .bind(BOARD, now)
    .run();
  await ctx.d1
    .prepare(
      `insert into feedback_posts (id, board_id, title, body, body_html, tags, status, vote_count, trending_score, created_at, updated_at)
       with recursive n(i) as (select 1 union all select i + 1 from n where i < ?1)
       select printf('fbp_bench_%05d', i), 'fbb_bench', 'Bench idea number ' || i, 'Body of idea ' || i,
         '<p>Body of idea ' || i || '</p>', '["bench"]',
         case i % 5 when 0 then 'planned' when 1 then 'in_progress' when 2 then 'done' else 'under_review' end,
         (i * 7919) % 500, ((i * 104729) % 1000) / 10.0, ?2 - i * 60000, ?2
       from n where true on conflict do nothing`,
    )
    .bind(POSTS, now)
    .run();
  const token = await new SignJWT({ id: "bench-voter", email: "bench@example.com" })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("bench-identity-secret"));
  Object.assign(voteHeaders, {
    cookie: `rapport_identity=${token}`,
    origin: ctx.url,
    "content-type": "application/x-www-form-urlencoded",
  });
}

const warm = (path: string) => async (ctx: BenchContext) => {
  const res = await fetch(`${ctx.url}${path}`);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  await res.arrayBuffer();
};

export const suite: BenchSuite = {
  prepare,
  scenarios: [
    {
      name: "GET /feedback/:board (feedback board HTML, 5,000 posts, cached)",
      path: `/feedback/${BOARD}`,
      minRatio: 0.5,
      before: warm(`/feedback/${BOARD}`),
    },
    {
      name: "GET /api/v1/boards/:board (feedback board JSON, 5,000 posts, cached)",
      path: `/api/v1/boards/${BOARD}`,
      minRatio: 0.5,
      before: warm(`/api/v1/boards/${BOARD}`),
    },
    {
      // The write path (the page's vote form; the JSON PUT/DELETE run the same castVote/removeVote):
      // the identity (verified once per isolate and minute), the rate limit, one vote batch (shared with
      // the votes arriving at the same moment) that checks the post, writes and counts the vote and bumps
      // the board's version, the signed bookmark, 303 back.
      name: "POST /feedback/:board/:post/vote (feedback vote, write)",
      minRatio: 0.3,
      method: "POST",
      path: `/feedback/${BOARD}/${VOTE_POST}/vote`,
      headers: voteHeaders,
      // Alternating vote and unvote by one visitor, so (nearly) every request really writes.
      body: () => {
        toggle = !toggle;
        return toggle ? "action=vote" : "action=unvote";
      },
      okStatuses: [303],
    },
  ],
};
