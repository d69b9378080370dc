import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { feedbackVotes } from "../../db/schema/index.ts";
import { call, db, identityToken, newKey } from "./helpers.ts";

let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;
const ORIGIN = "http://rapport.test";

async function setup(opts: { visibility?: "public" | "identified" } = {}) {
  const key = await newKey(["feedback"]);
  const slug = uniq("pages");
  await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: `Ideas ${slug}`, ...opts } });
  const add = async (title: string, body = "", tags: string[] = []) => {
    const res = await call("/api/v1/feedback/posts", {
      method: "POST",
      key,
      json: { board: slug, title, body, tags, author: { externalId: uniq("a"), name: "Grace" } },
    });
    return ((await res.json()) as { id: string }).id;
  };
  return { key, slug, add };
}

const cookie = async (id = uniq("reader")) =>
  `rapport_identity=${await identityToken({ id, email: `${id}@example.com`, name: "Reader" })}`;

describe("/feedback/:board", () => {
  it("lists posts for anonymous visitors, cached briefly and refreshed after a write", async () => {
    const { slug, add } = await setup();
    const id = await add("Calendar sync");
    const first = await call(`/feedback/${slug}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("text/html");
    expect(first.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(first.headers.get("content-security-policy")).toContain("script-src 'self'");
    const page = await first.text();
    expect(page).toContain("Calendar sync");
    expect(page).not.toContain("<script");
    expect(page).toContain("Sign in to the product");

    const etag = first.headers.get("etag") as string;
    expect((await call(`/feedback/${slug}`, { headers: { "if-none-match": etag } })).status).toBe(304);

    await call(`/api/v1/boards/${slug}/posts/${id}/vote`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await identityToken({ id: uniq("v") })}` },
    });
    const after = await call(`/feedback/${slug}`, { headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(await after.text()).toMatch(/<strong>1<\/strong>/);
  });

  it("filters by status and tag and searches, without JavaScript", async () => {
    const { key, slug, add } = await setup();
    const planned = await add("Planned thing", "", ["api"]);
    await add("Other thing", "mentions webhooks", ["ui"]);
    await call(`/api/v1/feedback/posts/${planned}/status`, { method: "POST", key, json: { status: "planned" } });
    const byStatus = await (await call(`/feedback/${slug}?status=planned&tag=&q=`)).text();
    expect(byStatus).toContain("Planned thing");
    expect(byStatus).not.toContain("Other thing");
    const byTag = await (await call(`/feedback/${slug}?tag=ui`)).text();
    expect(byTag).toContain("Other thing");
    expect(byTag).not.toContain("Planned thing");
    const bySearch = await (await call(`/feedback/${slug}?q=webhooks`)).text();
    expect(bySearch).toContain("Other thing");
    expect(bySearch).not.toContain("Planned thing");
    expect((await call(`/feedback/${slug}?sort=sideways`)).status).toBe(400);
    expect((await call("/feedback/no-such-board")).status).toBe(404);
  });

  it("identified visitors get a private page with vote forms; a form vote counts once; other sites are refused", async () => {
    const { slug, add } = await setup();
    const id = await add("Offline mode");
    const me = await cookie();
    const res = await call(`/feedback/${slug}`, { headers: { cookie: me } });
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const html = await res.text();
    expect(html).toContain(`action="/feedback/${slug}/${id}/vote"`);
    // The post form suggests similar posts as you type, from a script file (CSP: script-src 'self').
    expect(html).toContain(`data-similar="/api/v1/boards/${slug}/similar"`);
    expect(html).toContain('<script src="/feedback.js" defer=""></script>');
    const js = await call("/feedback.js");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(await js.text()).toContain("textContent = p.title");

    const vote = (origin: string) =>
      call(`/feedback/${slug}/${id}/vote`, {
        method: "POST",
        headers: { cookie: me, origin, "content-type": "application/x-www-form-urlencoded" },
        body: "action=vote",
      });
    const ok = await vote(ORIGIN);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/feedback/${slug}/${id}`);
    await vote(ORIGIN);
    expect((await vote("https://evil.example")).status).toBe(403);
    const crossSite = await call(`/feedback/${slug}/${id}/vote`, {
      method: "POST",
      headers: { cookie: me, "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
      body: "action=unvote",
    });
    expect(crossSite.status).toBe(403);
    expect(await db().select().from(feedbackVotes).where(eq(feedbackVotes.postId, id))).toHaveLength(1);
    const post = await (await call(`/feedback/${slug}/${id}`, { headers: { cookie: me } })).text();
    expect(post).toContain("Voted ✓");
  });

  it("an identified-only board refuses anonymous visitors", async () => {
    const { slug } = await setup({ visibility: "identified" });
    expect((await call(`/feedback/${slug}`)).status).toBe(401);
    expect((await call(`/feedback/${slug}`, { headers: { cookie: await cookie() } })).status).toBe(200);
  });
});

describe("/feedback/:board/:post", () => {
  it("shows the timeline with public notes and comments, team replies marked", async () => {
    const { key, slug, add } = await setup();
    const id = await add("Bulk edit", "Edit **many** rows");
    await call(`/api/v1/feedback/posts/${id}/status`, {
      method: "POST",
      key,
      json: { status: "in_progress", comment: "Design is done" },
    });
    await call(`/api/v1/feedback/posts/${id}/comments`, {
      method: "POST",
      key,
      json: { body: "Shipping soon", teamName: "Acme" },
    });
    const me = await cookie();
    const commented = await call(`/feedback/${slug}/${id}/comments`, {
      method: "POST",
      headers: { cookie: me, origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: "body=Can%27t+wait",
    });
    expect(commented.status).toBe(303);
    const page = await (await call(`/feedback/${slug}/${id}`)).text();
    expect(page).toContain("<strong>many</strong>");
    expect(page).toContain("In progress");
    expect(page).toContain("Design is done");
    expect(page).toContain("Acme (team)");
    expect(page).toContain("Can&#39;t wait");
  });
});

describe("/roadmap and feeds", () => {
  it("shows Planned / In progress / Done with vote counts, and an Atom feed of changes", async () => {
    const { key, slug, add } = await setup();
    const a = await add(`Roadmap card ${slug}`);
    await call(`/api/v1/boards/${slug}/posts/${a}/vote`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await identityToken({ id: uniq("v") })}` },
    });
    await call(`/api/v1/feedback/posts/${a}/status`, {
      method: "POST",
      key,
      json: { status: "planned", comment: "Soon" },
    });
    const roadmap = await (await call("/roadmap")).text();
    expect(roadmap).toMatch(/Planned/);
    expect(roadmap).toContain(`Roadmap card ${slug}`);
    expect(roadmap).toMatch(/1 votes/);

    for (const path of [`/feedback/${slug}/feed.atom`, "/roadmap/feed.atom"]) {
      const feed = await call(path);
      expect(feed.headers.get("content-type")).toContain("application/atom+xml");
      const xml = await feed.text();
      expect(xml).toContain(`<title>Roadmap card ${slug}: Planned</title>`);
      expect(xml).toContain('<content type="text">Soon</content>');
    }
    expect((await call("/roadmap/digest/2026-13")).status).toBe(404);
    const digest = await call(`/roadmap/digest/${new Date().toISOString().slice(0, 7)}`);
    expect(digest.status).toBe(200);
    expect(await digest.text()).toContain("Top-voted ideas");
  });
});

describe("hostile strings on every page and feed", () => {
  const HOSTILE = [
    `<script>alert(1)</script>`,
    `<img src=x onerror=alert(1)>`,
    `"><svg onload=alert(1)>`,
    `</title><script>alert(1)</script>`,
    `]]><script>alert(1)</script>`,
    `javascript:alert(1)`,
  ];

  it("are rendered inert in titles, bodies, tags, comments, timeline notes and the Atom feed", async () => {
    const { key, slug, add } = await setup();
    const ids: string[] = [];
    for (const h of HOSTILE) {
      const id = await add(`T ${h}`, `B ${h} [x](${h})`, [h.slice(0, 40)]);
      ids.push(id);
      await call(`/api/v1/feedback/posts/${id}/status`, {
        method: "POST",
        key,
        json: { status: "planned", comment: h },
      });
      await call(`/api/v1/feedback/posts/${id}/comments`, {
        method: "POST",
        key,
        json: { body: h, teamName: h.slice(0, 100) },
      });
    }
    const pages = [
      await (await call(`/feedback/${slug}`)).text(),
      await (await call("/roadmap")).text(),
      ...(await Promise.all(ids.map(async (id) => (await call(`/feedback/${slug}/${id}`)).text()))),
    ];
    for (const page of pages) {
      // Escaped text has no "<": any tag here is real markup, so none may be a script or carry a handler.
      expect(page).not.toMatch(/<(script|img|svg|iframe)\b|<[^>]*\son\w+=|href="\s*javascript:/i);
    }
    // The board and the roadmap list every title: the hostile ones are there, as text.
    expect(pages[0]).toContain("T &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(pages[1]).toContain("T &lt;script&gt;alert(1)&lt;/script&gt;");
    const feed = await (await call(`/feedback/${slug}/feed.atom`)).text();
    expect(feed).not.toMatch(/<script|<img|<svg/i);
    expect(feed).toContain("&lt;script&gt;");
  });
});
