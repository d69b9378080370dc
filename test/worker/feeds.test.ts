// Every feed parses in a strict XML 1.0 parser whatever people typed, has what RFC 4287 / RSS 2.0
// require, and every page with a feed advertises it.
import { describe, expect, it } from "vitest";
import { call, newKey } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";
import { advertisedFeeds, checkAtom, checkRss } from "./xml-support.ts";

/** What people type, and what a feed reader shows of it (XML 1.0 cannot carry the rest). */
const TITLES: Array<[typed: string, shown: string]> = [
  ["Back\u0008space, \u0001\u000b\u000c\u001f controls", "Backspace,  controls"],
  ["Ends ]]> a CDATA section", "Ends ]]> a CDATA section"],
  [`<script>alert("x")</script> & 'more'`, `<script>alert("x")</script> & 'more'`],
  ["RTL \u202eevil\u202c and \u200fmarks", "RTL \u202eevil\u202c and \u200fmarks"],
  ["Emoji 🚀 stays, \ufffe\uffff go", "Emoji 🚀 stays,  go"],
];
/** A lone surrogate cannot reach storage as itself; whatever comes back, the feed must still parse. */
const LONE = "Lone \ud800 surrogate \udfff here";

async function get(path: string, type: string) {
  const res = await call(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get("content-type")).toContain(type);
  return res.text();
}

describe("status page feeds", () => {
  it("parse strictly with hostile incident names, with the names a reader expects", async () => {
    const { key, slug, page } = await makePage();
    for (const [typed] of [...TITLES, [LONE]]) {
      const res = await call(`/api/v1/status/pages/${page.id}/incidents`, {
        method: "POST",
        key,
        json: { name: typed, body: `Update: ${typed}`, impact: "minor" },
      });
      expect(res.status).toBe(201);
    }
    const atom = checkAtom(await get(`/status/${slug}/feed.atom`, "application/atom+xml"));
    const rss = checkRss(await get(`/status/${slug}/feed.rss`, "application/rss+xml"));
    for (const titles of [atom, rss]) {
      expect(titles).toHaveLength(TITLES.length + 1);
      expect(titles).toEqual(expect.arrayContaining(TITLES.map(([, shown]) => shown)));
      expect(titles.some((t) => t.startsWith("Lone ") && t.endsWith(" here"))).toBe(true);
    }
  });

  it("are valid with no incidents at all, and the page and its history advertise both", async () => {
    const { slug } = await makePage();
    expect(checkAtom(await get(`/status/${slug}/feed.atom`, "application/atom+xml"))).toEqual([]);
    expect(checkRss(await get(`/status/${slug}/feed.rss`, "application/rss+xml"))).toEqual([]);
    for (const path of [`/status/${slug}`, `/status/${slug}/history`]) {
      expect(advertisedFeeds(await get(path, "text/html"))).toEqual([
        `application/atom+xml /status/${slug}/feed.atom`,
        `application/rss+xml /status/${slug}/feed.rss`,
      ]);
    }
  });
});

describe("feedback board and roadmap feeds", () => {
  it("parse strictly with hostile post titles, with the titles a reader expects, and are advertised", async () => {
    const key = await newKey(["feedback"]);
    const board = `feeds-${crypto.randomUUID().slice(0, 8)}`;
    await postJson("/api/v1/feedback/boards", key, { slug: board, name: `Ideas \u0008${board}` });
    for (const [typed] of [...TITLES, [LONE]]) {
      const { res, body } = await postJson("/api/v1/feedback/posts", key, {
        board,
        title: typed,
        body: typed,
        author: { externalId: `a-${crypto.randomUUID()}`, name: "Grace\u0007" },
      });
      expect(res.status).toBe(201);
      const moved = await postJson(`/api/v1/feedback/posts/${body.id}/status`, key, {
        status: "planned",
        comment: `Soon\u0000${typed}`,
      });
      expect(moved.res.status).toBe(200);
    }
    for (const path of [`/feedback/${board}/feed.atom`, "/roadmap/feed.atom"]) {
      const titles = checkAtom(await get(path, "application/atom+xml"));
      expect(titles).toEqual(expect.arrayContaining(TITLES.map(([, shown]) => `${shown}: Planned`)));
      expect(titles.some((t) => t.startsWith("Lone ") && t.endsWith(" here: Planned"))).toBe(true);
    }
    expect(advertisedFeeds(await get(`/feedback/${board}`, "text/html"))).toEqual([
      `application/atom+xml /feedback/${board}/feed.atom`,
    ]);
    expect(advertisedFeeds(await get("/roadmap", "text/html"))).toEqual(["application/atom+xml /roadmap/feed.atom"]);
  });
});
