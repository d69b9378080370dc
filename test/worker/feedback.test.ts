import { env } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  feedbackBoards,
  feedbackEvents,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
  webhookEvents,
} from "../../db/schema/index.ts";
import { visitorSession } from "../../worker/lib/d1-session.ts";
import { primaryBatch } from "../../worker/lib/db.ts";
import type { AppEnv } from "../../worker/lib/env.ts";
import { call, db, freshRateWindow, identityToken, newKey } from "./helpers.ts";

const PROBLEM = "application/problem+json";
let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

async function expectProblem(res: Response, status: number, slug: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe(PROBLEM);
  const body = (await res.json()) as { type: string; errors?: Array<{ path: string }> };
  expect(body.type).toBe(`urn:rapport:problem:${slug}`);
  return body;
}

type Post = {
  id: string;
  boardId: string;
  title: string;
  bodyHtml: string;
  voteCount: number;
  status: string;
  tags: string[];
};

async function newBoard(opts: { moderated?: boolean; visibility?: "public" | "identified" } = {}) {
  const key = await newKey(["feedback"]);
  const slug = uniq("board");
  const res = await call("/api/v1/feedback/boards", {
    method: "POST",
    key,
    json: { slug, name: `Board ${slug}`, ...opts },
  });
  expect(res.status).toBe(201);
  return { key, slug };
}

const visitor = (id = uniq("user"), extra: Record<string, unknown> = {}) =>
  identityToken({ id, email: `${id}@example.com`, name: `Name ${id}`, ...extra });

async function postIdea(slug: string, token: string, json: Record<string, unknown> = {}) {
  const res = await call(`/api/v1/boards/${slug}/posts`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    json: { title: "Dark mode for the dashboard", body: "Please **add** it", ...json },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Post & { moderation: string };
}

const vote = (slug: string, postId: string, token: string, method = "PUT") =>
  call(`/api/v1/boards/${slug}/posts/${postId}/vote`, { method, headers: { authorization: `Bearer ${token}` } });

describe("boards (admin)", () => {
  it("creates, lists, updates and deletes; refuses bad input and duplicates", async () => {
    const { key, slug } = await newBoard();
    const list = (await (await call("/api/v1/feedback/boards", { key })).json()) as { data: Array<{ slug: string }> };
    expect(list.data.map((b) => b.slug)).toContain(slug);

    const bad = await expectProblem(
      await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug: "Not A Slug!", name: "" } }),
      400,
      "validation-failed",
    );
    expect(bad.errors?.map((e) => e.path).sort()).toEqual(["body.name", "body.slug"]);
    await expectProblem(
      await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: "again" } }),
      409,
      "conflict",
    );

    const patched = await call(`/api/v1/feedback/boards/${slug}`, { method: "PATCH", key, json: { moderated: true } });
    expect(await patched.json()).toMatchObject({ slug, moderated: true });
    expect((await call(`/api/v1/feedback/boards/${slug}`, { method: "DELETE", key })).status).toBe(204);
    await expectProblem(await call(`/api/v1/feedback/boards/${slug}`, { method: "DELETE", key }), 404, "not-found");
  });

  it("needs the feedback scope", async () => {
    await expectProblem(await call("/api/v1/feedback/boards"), 401, "unauthorized");
    const other = await newKey(["status"]);
    await expectProblem(
      await call("/api/v1/feedback/boards", { method: "POST", key: other, json: { slug: "x", name: "x" } }),
      403,
      "forbidden",
    );
  });
});

describe("posts by visitors", () => {
  it("an identified visitor posts; Markdown is rendered; anonymous visitors can read but not post or vote", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor(), { tags: ["UI", "ui", "Dashboard"] });
    expect(post.bodyHtml).toContain("<strong>add</strong>");
    expect(post.tags).toEqual(["ui", "dashboard"]);
    const created = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "post.created"));
    expect(created.some((h) => (h.payload as { post: { id: string } }).post.id === post.id)).toBe(true);

    await expectProblem(
      await call(`/api/v1/boards/${slug}/posts`, { method: "POST", json: { title: "Anonymous idea" } }),
      401,
      "unauthorized",
    );
    await expectProblem(await vote(slug, post.id, ""), 401, "unauthorized");
    const page = (await (await call(`/api/v1/boards/${slug}`)).json()) as { data: Post[] };
    expect(page.data.map((p) => p.id)).toEqual([post.id]);
    const detail = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as { post: Post };
    expect(detail.post.title).toBe("Dark mode for the dashboard");
  });

  it("refuses a forged or expired token, and invalid fields, writing nothing", async () => {
    const { slug } = await newBoard();
    const forged = await identityToken({ id: "mallory" }, { secret: "not-the-secret-at-all-0123456789" });
    const expired = await identityToken({ id: "late" }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const author = await visitor();
    const post = await postIdea(slug, author);
    for (const token of [forged, expired]) {
      await expectProblem(await vote(slug, post.id, token), 401, "unauthorized");
      await expectProblem(
        await call(`/api/v1/boards/${slug}/posts`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          json: { title: "Forged idea" },
        }),
        401,
        "unauthorized",
      );
    }
    const body = await expectProblem(
      await call(`/api/v1/boards/${slug}/posts`, {
        method: "POST",
        headers: { authorization: `Bearer ${author}` },
        json: { title: "x", body: "y".repeat(10_001), tags: Array(11).fill("t") },
      }),
      400,
      "validation-failed",
    );
    expect(body.errors?.map((e) => e.path).sort()).toEqual(["body.body", "body.tags", "body.title"]);
    const rows = await db().select().from(feedbackPosts).where(eq(feedbackPosts.boardId, post.boardId));
    expect(rows).toHaveLength(1);
    expect((await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id))).length).toBe(0);
  });

  it("404 for an unknown board or post", async () => {
    const { slug } = await newBoard();
    await expectProblem(await call("/api/v1/boards/no-such-board"), 404, "not-found");
    await expectProblem(await call(`/api/v1/boards/${slug}/posts/fbp_nope`), 404, "not-found");
  });

  it("an identified-only board is hidden from anonymous visitors", async () => {
    const { slug } = await newBoard({ visibility: "identified" });
    await expectProblem(await call(`/api/v1/boards/${slug}`), 401, "unauthorized");
    const res = await call(`/api/v1/boards/${slug}`, { headers: { authorization: `Bearer ${await visitor()}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("votes", () => {
  it("one vote per visitor: voting twice is one vote, unvoting works, the count follows the rows", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const ada = await visitor();
    const bob = await visitor();
    expect(await (await vote(slug, post.id, ada)).json()).toMatchObject({
      voted: true,
      state: "counted",
      voteCount: 1,
    });
    expect(await (await vote(slug, post.id, ada)).json()).toMatchObject({ voted: true, voteCount: 1 });
    expect(await (await vote(slug, post.id, bob)).json()).toMatchObject({ voteCount: 2 });
    expect(await (await vote(slug, post.id, ada, "DELETE")).json()).toMatchObject({ voted: false, voteCount: 1 });
    expect(await (await vote(slug, post.id, ada, "DELETE")).json()).toMatchObject({ voted: false, voteCount: 1 });
    expect(await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id))).toHaveLength(1);
    const detail = (await (
      await call(`/api/v1/boards/${slug}/posts/${post.id}`, { headers: { authorization: `Bearer ${bob}` } })
    ).json()) as { voted: boolean; post: Post };
    expect(detail).toMatchObject({ voted: true, post: { voteCount: 1 } });
  });

  it("parallel votes and takes-back by one visitor leave at most one vote, and the count is the rows'", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const ada = await visitor();
    const votes = await Promise.all(Array.from({ length: 8 }, () => vote(slug, post.id, ada)));
    for (const res of votes) {
      expect(await res.json()).toMatchObject({ voted: true, state: "counted", voteCount: 1 });
    }
    await Promise.all(Array.from({ length: 12 }, (_, i) => vote(slug, post.id, ada, i % 4 < 2 ? "PUT" : "DELETE")));
    const rows = await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id));
    const [after] = await db().select().from(feedbackPosts).where(eq(feedbackPosts.id, post.id));
    expect(rows.length).toBeLessThanOrEqual(1);
    expect(after.voteCount).toBe(rows.length);
  });

  it("votes arriving together (one shared batch): one counted vote per identity, each voter reads theirs back at once", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const [ada, bob, cy] = await Promise.all([visitor(), visitor(), visitor()]);
    const voters = [ada, ada, ada, ada, ada, ada, bob, bob, bob, cy];
    const answers = await Promise.all(voters.map((token) => vote(slug, post.id, token)));
    const rows = await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id));
    expect(rows.map((r) => r.state)).toEqual(["counted", "counted", "counted"]);
    expect(new Set(rows.map((r) => r.contactId)).size).toBe(3);
    const [after] = await db().select().from(feedbackPosts).where(eq(feedbackPosts.id, post.id));
    expect(after.voteCount).toBe(3);
    // Each answer's bookmark: a read made with it sees that voter's vote.
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      const read = await call(`/api/v1/boards/${slug}/posts/${post.id}`, {
        headers: { authorization: `Bearer ${voters[i]}`, "x-d1-bookmark": res.headers.get("x-d1-bookmark") ?? "" },
      });
      expect(await read.json()).toMatchObject({ voted: true });
    }
  });

  it("the database refuses a second vote row for the same person and post", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    await vote(slug, post.id, await visitor("dup-voter"));
    const [row] = await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id));
    const err = await db()
      .insert(feedbackVotes)
      .values({ ...row, id: "fbv_second" })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(String(err?.cause ?? err)).toMatch(/UNIQUE/);
  });

  it("a burst of votes from new identities is held for review, not counted", async () => {
    const { key, slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    for (let i = 0; i < 10; i++) {
      expect(await (await vote(slug, post.id, await visitor())).json()).toMatchObject({ state: "counted" });
    }
    const late = (await (await vote(slug, post.id, await visitor())).json()) as { state: string; voteCount: number };
    expect(late).toMatchObject({ state: "held", voteCount: 10 });

    const queue = (await (await call("/api/v1/feedback/moderation", { key })).json()) as {
      flagged: Array<{ id: string; heldVotes: number }>;
    };
    expect(queue.flagged.find((p) => p.id === post.id)).toMatchObject({ heldVotes: 1 });
    const approved = await call(`/api/v1/feedback/posts/${post.id}/held-votes`, {
      method: "POST",
      key,
      json: { action: "approve" },
    });
    expect(await approved.json()).toMatchObject({ voteCount: 11, heldVotes: 0, flaggedAt: null });
  });

  it("a burst of 30 parallel votes from new identities counts exactly 10 and holds 20", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const tokens = await Promise.all(Array.from({ length: 30 }, () => visitor()));
    const results = await Promise.all(
      tokens.map(async (t) => (await (await vote(slug, post.id, t)).json()) as { state: string; voted: boolean }),
    );
    // Each voter sees their own vote at once, whichever side of the line it fell.
    expect(results.every((r) => r.voted)).toBe(true);
    expect(results.filter((r) => r.state === "counted")).toHaveLength(10);
    expect(results.filter((r) => r.state === "held")).toHaveLength(20);
    const states = await db()
      .select({ state: feedbackVotes.state })
      .from(feedbackVotes)
      .where(eq(feedbackVotes.postId, post.id));
    expect(states.filter((v) => v.state === "counted")).toHaveLength(10);
    const page = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as { post: Post };
    expect(page.post.voteCount).toBe(10);
  });
});

describe("reading your own writes (D1 sessions)", () => {
  const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}\.[\w-]{22}$/;
  /** What D1 session a visitor request opens with these headers: its starting bookmark, before any query. */
  const sessionStart = async (headers: Record<string, string>) => {
    const app = new Hono<AppEnv>().get("/", async (c) =>
      c.json({ at: (await visitorSession(c)).session.getBookmark() }),
    );
    return ((await (await app.request("/", { headers }, env)).json()) as { at: string | null }).at;
  };

  it("a vote hands back a signed bookmark (header and cookie); read with it, the voter sees the vote", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const ada = await visitor();
    const res = await vote(slug, post.id, ada);
    const bookmark = res.headers.get("x-d1-bookmark") ?? "";
    expect(bookmark).toMatch(BOOKMARK);
    expect(res.headers.get("set-cookie")).toMatch(
      new RegExp(`^rapport_d1=${bookmark.replace(".", "\\.")}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax$`),
    );
    const read = await call(`/api/v1/boards/${slug}/posts/${post.id}`, {
      headers: { authorization: `Bearer ${ada}`, "x-d1-bookmark": bookmark },
    });
    expect(await read.json()).toMatchObject({ voted: true, post: { voteCount: 1 } });

    // The page's form: the cookie carries it to the page the 303 leads to.
    const bob = await visitor();
    const form = await call(`/feedback/${slug}/${post.id}/vote`, {
      method: "POST",
      headers: {
        cookie: `rapport_identity=${bob}`,
        origin: "http://rapport.test",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "action=vote",
    });
    expect(form.status).toBe(303);
    const cookie = /rapport_d1=[^;]+/.exec(form.headers.get("set-cookie") ?? "")?.[0];
    expect(cookie).toBeDefined();
    const page = await call(form.headers.get("location") ?? "", {
      headers: { cookie: `rapport_identity=${bob}; ${cookie}` },
    });
    expect(await page.text()).toMatch(/aria-pressed="true">Voted ✓/);
  });

  it("writes arriving together each run whole; one that fails fails alone and writes nothing", async () => {
    const d = db();
    const slugs = [uniq("b1"), uniq("b2")];
    const board = (slug: string) => {
      const now = Date.now();
      return d
        .insert(feedbackBoards)
        .values({ id: `fbb_${slug}`, slug, name: slug, createdAt: now, updatedAt: now })
        .returning({ slug: feedbackBoards.slug })
        .toSQL();
    };
    const [first, clash, second] = await Promise.allSettled([
      primaryBatch(env.DB, [board(slugs[0])]),
      primaryBatch(env.DB, [board(slugs[1]), board(slugs[0])]),
      primaryBatch(env.DB, [board(slugs[1])]),
    ]);
    expect(clash.status).toBe("rejected");
    const ok = [first, second].map((r) => (r.status === "fulfilled" ? r.value : null));
    expect(ok.map((r) => r?.results.map((x) => x.results))).toEqual([[[{ slug: slugs[0] }]], [[{ slug: slugs[1] }]]]);
    const rows = await d.select().from(feedbackBoards).where(inArray(feedbackBoards.slug, slugs));
    expect(rows).toHaveLength(2);
  });

  it("writes arriving while a batch runs share the next one, and each gets back exactly its own results", async () => {
    const calls = Array.from({ length: 20 }, (_, i) =>
      primaryBatch(env.DB, [
        { sql: "select ? as caller, 'first' as part", params: [i] },
        { sql: "select ? as caller, 'second' as part", params: [i] },
      ]),
    );
    const outcomes = await Promise.all(calls);
    for (const [i, out] of outcomes.entries()) {
      expect(out.results.map((r) => r.results)).toEqual([
        [{ caller: i, part: "first" }],
        [{ caller: i, part: "second" }],
      ]);
    }
    // Calls that ran in one batch end at one bookmark: twenty calls, far fewer batches.
    const batches = new Set(outcomes.map((o) => o.bookmark));
    expect(batches.size).toBeGreaterThan(1);
    expect(batches.size).toBeLessThan(10);
  });

  it("the next request's session starts at a bookmark Rapport signed, and ignores a forged one", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const signed = (await vote(slug, post.id, await visitor())).headers.get("x-d1-bookmark") ?? "";
    const [position] = signed.split(".");
    expect(await sessionStart({ "x-d1-bookmark": signed })).toBe(position);
    expect(await sessionStart({ cookie: `rapport_d1=${signed}` })).toBe(position);
    // A made-up position far ahead (that D1 would wait for), or a tampered signature: any replica serves.
    const ahead = `ffffffff${position.slice(8)}`;
    for (const forged of [ahead, `${ahead}.${signed.split(".")[1]}`, `${position}.${"A".repeat(22)}`, "garbage"]) {
      expect(await sessionStart({ "x-d1-bookmark": forged })).toBeNull();
    }
    const read = await call(`/api/v1/boards/${slug}`, { headers: { "x-d1-bookmark": `${ahead}.x` } });
    expect(read.status).toBe(200);
  });
});

describe("throttles", () => {
  it("a visitor may post 10 ideas an hour; the 11th is refused with Retry-After and not stored", async () => {
    const { slug } = await newBoard();
    const token = await visitor();
    for (let i = 0; i < 10; i++) await postIdea(slug, token, { title: `Idea number ${i}` });
    const res = await call(`/api/v1/boards/${slug}/posts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      json: { title: "One idea too many" },
    });
    await expectProblem(res, 429, "rate-limited");
    expect(res.headers.get("retry-after")).toBe("3600");
    const page = (await (await call(`/api/v1/boards/${slug}?limit=50`)).json()) as { data: Post[] };
    expect(page.data).toHaveLength(10);
  });

  it("votes are throttled per visitor (VOTES_PER_MINUTE), not for everyone", async () => {
    const { slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    const eager = await visitor();
    const statuses: number[] = [];
    await freshRateWindow();
    for (let i = 0; i < 32; i++) statuses.push((await vote(slug, post.id, eager, i % 2 ? "DELETE" : "PUT")).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toContain(429);
    expect((await vote(slug, post.id, await visitor())).status).toBe(200);
  }, 40_000);
});

describe("status, ICE, moderation, comments", () => {
  it("a status change records who, when and the note, emits the webhook and stores the loop event in one go", async () => {
    const { key, slug } = await newBoard();
    const author = uniq("author");
    const post = await postIdea(slug, await visitor(author));
    const voterId = uniq("voter");
    await vote(slug, post.id, await visitor(voterId));

    const res = await call(`/api/v1/feedback/posts/${post.id}/status`, {
      method: "POST",
      key,
      json: { status: "planned", comment: "Coming in Q3" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "planned", notified: 2 });

    const [change] = await db().select().from(feedbackStatusChanges).where(eq(feedbackStatusChanges.postId, post.id));
    expect(change).toMatchObject({ fromStatus: "under_review", toStatus: "planned", comment: "Coming in Q3" });
    expect(change.actor).toMatch(/^key:/);
    const hooks = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "post.status_changed"));
    expect(hooks.some((h) => (h.payload as { changeId: string }).changeId === change.id)).toBe(true);
    const [event] = await db().select().from(feedbackEvents).where(eq(feedbackEvents.postId, post.id));
    expect(event).toMatchObject({
      type: "feedback.status_changed",
      payload: { to: "planned", comment: "Coming in Q3" },
    });
    expect(event.recipients).toHaveLength(2);

    const detail = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as {
      timeline: Array<{ toStatus: string; comment: string }>;
    };
    expect(detail.timeline).toMatchObject([{ toStatus: "planned", comment: "Coming in Q3" }]);

    await expectProblem(
      await call(`/api/v1/feedback/posts/${post.id}/status`, { method: "POST", key, json: { status: "merged" } }),
      400,
      "validation-failed",
    );
  });

  it("ICE is impact × confidence × ease and sorts the triage table", async () => {
    const { key, slug } = await newBoard();
    const a = await postIdea(slug, await visitor(), { title: "Idea alpha" });
    const b = await postIdea(slug, await visitor(), { title: "Idea beta" });
    const res = await call(`/api/v1/feedback/posts/${a.id}`, {
      method: "PATCH",
      key,
      json: { impact: 8, confidence: 5, ease: 2, tags: ["Billing"] },
    });
    expect(await res.json()).toMatchObject({ iceScore: 80, tags: ["billing"] });
    await call(`/api/v1/feedback/posts/${b.id}`, { method: "PATCH", key, json: { impact: 9, confidence: 9, ease: 9 } });
    const list = (await (await call(`/api/v1/feedback/posts?board=${slug}&sort=ice`, { key })).json()) as {
      data: Post[];
    };
    expect(list.data.map((p) => p.id)).toEqual([b.id, a.id]);
    await expectProblem(
      await call(`/api/v1/feedback/posts/${a.id}`, { method: "PATCH", key, json: { impact: 11 } }),
      400,
      "validation-failed",
    );
  });

  it("on a moderated board posts and comments wait for approval; team replies are marked", async () => {
    const { key, slug } = await newBoard({ moderated: true });
    const token = await visitor();
    const post = await postIdea(slug, token);
    expect(post.moderation).toBe("pending");
    expect(((await (await call(`/api/v1/boards/${slug}`)).json()) as { data: Post[] }).data).toHaveLength(0);
    await expectProblem(await call(`/api/v1/boards/${slug}/posts/${post.id}`), 404, "not-found");

    const queue = (await (await call("/api/v1/feedback/moderation", { key })).json()) as { posts: Post[] };
    expect(queue.posts.map((p) => p.id)).toContain(post.id);
    await call(`/api/v1/feedback/posts/${post.id}/moderation`, { method: "POST", key, json: { action: "approve" } });
    expect(((await (await call(`/api/v1/boards/${slug}`)).json()) as { data: Post[] }).data).toHaveLength(1);

    const comment = await call(`/api/v1/boards/${slug}/posts/${post.id}/comments`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      json: { body: "Me too" },
    });
    expect(await comment.json()).toMatchObject({ moderation: "pending", team: false });
    const team = await call(`/api/v1/feedback/posts/${post.id}/comments`, {
      method: "POST",
      key,
      json: { body: "We are on it", teamName: "Product" },
    });
    expect(await team.json()).toMatchObject({ team: true, teamName: "Product", moderation: "approved" });
    let detail = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as {
      comments: Array<{ team: boolean; id: string }>;
      post: Post & { commentCount: number };
    };
    expect(detail.comments.map((c) => c.team)).toEqual([true]);
    expect(detail.post.commentCount).toBe(1);

    const pending = (await (await call("/api/v1/feedback/moderation", { key })).json()) as {
      comments: Array<{ id: string; body: string }>;
    };
    const mine = pending.comments.find((c) => c.body === "Me too");
    expect(mine).toBeDefined();
    await call(`/api/v1/feedback/comments/${mine?.id}/moderation`, {
      method: "POST",
      key,
      json: { action: "approve" },
    });
    detail = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as typeof detail;
    expect(detail.post.commentCount).toBe(2);
    const hooks = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "comment.created"));
    expect(hooks.filter((h) => (h.payload as { post: { id: string } }).post.id === post.id)).toHaveLength(2);
  });

  it("deleting a post removes it with its votes", async () => {
    const { key, slug } = await newBoard();
    const post = await postIdea(slug, await visitor());
    await vote(slug, post.id, await visitor());
    expect((await call(`/api/v1/feedback/posts/${post.id}`, { method: "DELETE", key })).status).toBe(204);
    await expectProblem(await call(`/api/v1/feedback/posts/${post.id}`, { key }), 404, "not-found");
    expect(await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, post.id))).toHaveLength(0);
  });
});

describe("merge", () => {
  it("moves votes without double votes, links the duplicate, and tells its voters", async () => {
    const { key, slug } = await newBoard();
    const original = await postIdea(slug, await visitor(), { title: "Export to CSV" });
    const dup = await postIdea(slug, await visitor(), { title: "CSV export please" });
    const both = await visitor();
    await vote(slug, original.id, both);
    await vote(slug, dup.id, both);
    await vote(slug, dup.id, await visitor());

    const res = await call(`/api/v1/feedback/posts/${dup.id}/merge`, {
      method: "POST",
      key,
      json: { into: original.id },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      duplicate: { status: "merged", mergedIntoId: original.id, voteCount: 0 },
      original: { voteCount: 2 },
      notified: 3,
    });
    expect(
      await db()
        .select()
        .from(feedbackVotes)
        .where(and(eq(feedbackVotes.postId, original.id))),
    ).toHaveLength(2);
    const [event] = await db().select().from(feedbackEvents).where(eq(feedbackEvents.postId, dup.id));
    expect(event).toMatchObject({ type: "feedback.merged" });
    const hooks = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "post.merged"));
    expect(hooks.some((h) => (h.payload as { duplicate: { id: string } }).duplicate.id === dup.id)).toBe(true);

    await expectProblem(await vote(slug, dup.id, await visitor()), 409, "conflict");
    await expectProblem(
      await call(`/api/v1/feedback/posts/${original.id}/merge`, { method: "POST", key, json: { into: original.id } }),
      409,
      "conflict",
    );
  });
});

describe("search", () => {
  it("finds posts by words in title or body (FTS5) and suggests similar ones", async () => {
    const { slug } = await newBoard();
    const token = await visitor();
    const sso = await postIdea(slug, token, { title: "Single sign-on with Okta", body: "SAML would be great" });
    await postIdea(slug, token, { title: "Slack notifications", body: "ping the channel" });
    const found = (await (await call(`/api/v1/boards/${slug}?q=saml`)).json()) as { data: Post[] };
    expect(found.data.map((p) => p.id)).toEqual([sso.id]);
    const none = (await (await call(`/api/v1/boards/${slug}?q=${encodeURIComponent('" OR *')}`)).json()) as {
      data: Post[];
    };
    expect(none.data).toEqual([]);
    const similar = (await (await call(`/api/v1/boards/${slug}/similar?q=okta%20login`)).json()) as {
      data: Array<{ id: string }>;
    };
    expect(similar.data.map((p) => p.id)).toEqual([sso.id]);
  });
});

describe("hostile input", () => {
  const HOSTILE = [
    `<script>alert(1)</script>`,
    `<img src=x onerror=alert(1)>`,
    `[click](javascript:alert(1))`,
    `"><svg onload=alert(1)>`,
    `<a href="javascript:alert(1)">x</a>`,
    `![x](javascript:alert(1))`,
    `<iframe src="https://evil.example"></iframe>`,
    `'; DROP TABLE feedback_posts; --`,
  ];

  it("renders script injection in titles, bodies, comments and tags inert", async () => {
    const { slug } = await newBoard();
    const token = await visitor(uniq("hostile"), { name: `<script>alert("name")</script>` });
    for (const h of HOSTILE) {
      const post = await postIdea(slug, token, { title: `Title ${h}`, body: `Body ${h}`, tags: [h.slice(0, 40)] });
      expect(post.bodyHtml).not.toMatch(/<script|<img|<svg|<iframe|javascript:|onerror|onload/i);
      const comment = await call(`/api/v1/boards/${slug}/posts/${post.id}/comments`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        json: { body: h },
      });
      const c = (await comment.json()) as { bodyHtml: string };
      expect(c.bodyHtml).not.toMatch(/<script|<img|<svg|<iframe|javascript:|onerror|onload/i);
    }
    expect(await db().select().from(feedbackPosts).limit(1)).toHaveLength(1);
  });
});

describe("Feedback-Implementation Ratio", () => {
  it("counts posts moved to done over posts received, and the vote-weighted form", async () => {
    const { key, slug } = await newBoard();
    const from = Date.now();
    // Open votes are counted on every post still open at the range's end, older ones too: what
    // other tests left open is the baseline this test's posts add to.
    const base = (await (await call(`/api/v1/feedback/implementation?from=0&to=${from}`, { key })).json()) as {
      openVotes: number;
    };
    const token = await visitor();
    const shipped = await postIdea(slug, token, { title: "Shipped idea" });
    const open = await postIdea(slug, token, { title: "Open idea" });
    const spam = await postIdea(slug, token, { title: "Buy cheap stuff" });
    const dup = await postIdea(slug, token, { title: "Open idea again" });
    await vote(slug, shipped.id, await visitor());
    await vote(slug, open.id, await visitor());
    await vote(slug, open.id, await visitor());
    await vote(slug, spam.id, await visitor());
    await vote(slug, dup.id, await visitor());
    await call(`/api/v1/feedback/posts/${shipped.id}/status`, { method: "POST", key, json: { status: "done" } });
    await call(`/api/v1/feedback/posts/${spam.id}/moderation`, { method: "POST", key, json: { action: "reject" } });
    expect(
      (await call(`/api/v1/feedback/posts/${dup.id}/merge`, { method: "POST", key, json: { into: open.id } })).status,
    ).toBe(200);
    const to = Date.now() + 1;
    // Tests in a file run one at a time: the range holds this test's posts only. Received: the
    // shipped and the open idea (the rejected spam and the merged duplicate are left out); done:
    // the shipped one. Votes: 1 on the shipped idea; 3 on the open one (its own 2 and the
    // duplicate's, moved by the merge); the rejected post's vote counts nowhere.
    const res = await call(`/api/v1/feedback/implementation?from=${from}&to=${to}`, { key });
    const openVotes = base.openVotes + 3;
    expect(await res.json()).toEqual({
      done: 1,
      received: 2,
      ratio: 0.5,
      deliveredVotes: 1,
      openVotes,
      voteWeighted: 1 / (1 + openVotes),
    });
    await expectProblem(
      await call(`/api/v1/feedback/implementation?from=${to}&to=${from}`, { key }),
      400,
      "validation-failed",
    );
  });
});

describe("closing the loop: contributors, events, export", () => {
  it("an author whose idea reaches done gets the contributor badge, listed for rewards", async () => {
    const { key, slug } = await newBoard();
    const authorId = uniq("builder");
    const post = await postIdea(slug, await visitor(authorId));
    const before = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as {
      post: { author: { contributor: boolean } };
    };
    expect(before.post.author.contributor).toBe(false);
    await call(`/api/v1/feedback/posts/${post.id}/status`, { method: "POST", key, json: { status: "done" } });
    const after = (await (await call(`/api/v1/boards/${slug}/posts/${post.id}`)).json()) as typeof before;
    expect(after.post.author.contributor).toBe(true);
    const list = (await (await call(`/api/v1/feedback/contributors?externalId=${authorId}`, { key })).json()) as {
      data: Array<{ externalId: string; delivered: number }>;
    };
    expect(list.data).toMatchObject([{ externalId: authorId, delivered: 1 }]);

    const events = (await (
      await call("/api/v1/feedback/events?type=feedback.status_changed&limit=200", { key })
    ).json()) as {
      data: Array<{ postId: string; payload: { to: string } }>;
    };
    expect(events.data.find((e) => e.postId === post.id)?.payload.to).toBe("done");
  });

  it("exports a board as JSON and as CSV that a spreadsheet will not execute", async () => {
    const { key, slug } = await newBoard();
    const token = await visitor();
    const a = await postIdea(slug, token, { title: '=HYPERLINK("http://evil")', body: 'line one\nline "two"' });
    await postIdea(slug, token, { title: "Plain idea" });
    await call(`/api/v1/feedback/posts/${a.id}/status`, {
      method: "POST",
      key,
      json: { status: "planned", comment: "ok" },
    });
    const json = await call(`/api/v1/feedback/boards/${slug}/export`, { key });
    expect(json.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.json"$/);
    const data = (await json.json()) as { posts: unknown[]; statusChanges: unknown[]; board: { slug: string } };
    expect(data).toMatchObject({ board: { slug } });
    expect(data.posts).toHaveLength(2);
    expect(data.statusChanges).toHaveLength(1);

    const csv = await call(`/api/v1/feedback/boards/${slug}/export?format=csv`, { key });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    const lines = text.split("\r\n");
    expect(lines[0]).toMatch(/^id,title,status,voteCount/);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain('"line one\nline ""two"""');
    await expectProblem(await call("/api/v1/feedback/boards/nope/export", { key }), 404, "not-found");
  });
});
