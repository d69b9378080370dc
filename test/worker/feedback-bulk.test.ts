import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { feedbackPosts, feedbackStatusChanges } from "../../db/schema/index.ts";
import { call, db, identityToken, newKey, problem } from "./helpers.ts";

let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

async function boardWithPosts(titles: string[]) {
  const key = await newKey(["feedback"]);
  const slug = uniq("bulk");
  expect((await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: slug } })).status).toBe(201);
  const ids: string[] = [];
  for (const title of titles) {
    const id = uniq("author");
    const token = await identityToken({ id, email: `${id}@example.com` });
    const res = await call(`/api/v1/boards/${slug}/posts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      json: { title, body: "Please" },
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return { key, slug, ids };
}

const bulk = (key: string, json: unknown) => call("/api/v1/feedback/posts/bulk", { method: "POST", key, json });
const postsOf = (ids: string[]) => db().select().from(feedbackPosts).where(inArray(feedbackPosts.id, ids));

describe("bulk changes to posts", () => {
  it("sets one status on several posts (emailing their authors) and adds and removes tags", async () => {
    const { key, ids } = await boardWithPosts(["Dark mode", "CSV export", "SSO"]);
    await call(`/api/v1/feedback/posts/${ids[0]}`, { method: "PATCH", key, json: { tags: ["ui", "later"] } });

    let res = await bulk(key, { ids: ids.slice(0, 2), status: { status: "planned", comment: "Next quarter" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ updated: 2, notified: 2 });
    const changes = await db().select().from(feedbackStatusChanges).where(inArray(feedbackStatusChanges.postId, ids));
    expect(changes.map((c) => [c.postId, c.toStatus, c.comment]).sort()).toEqual(
      [
        [ids[0], "planned", "Next quarter"],
        [ids[1], "planned", "Next quarter"],
      ].sort(),
    );

    res = await bulk(key, { ids, tags: { add: ["Q3"], remove: ["later"] } });
    expect(await res.json()).toEqual({ updated: 3, notified: 0 });
    const tags = Object.fromEntries((await postsOf(ids)).map((p) => [p.id, p.tags]));
    expect(tags).toEqual({ [ids[0]]: ["ui", "q3"], [ids[1]]: ["q3"], [ids[2]]: ["q3"] });
    // The same change again changes nothing.
    expect(await (await bulk(key, { ids, tags: { add: ["q3"] } })).json()).toEqual({ updated: 0, notified: 0 });
  });

  it("refuses the whole change when one post cannot take it, and says why", async () => {
    const { key, ids } = await boardWithPosts(["Webhooks", "Zapier"]);
    await problem(await bulk(key, { ids: [ids[0], "fbp_missing"], status: { status: "done" } }), 404, "not-found");
    const merged = await call(`/api/v1/feedback/posts/${ids[1]}/merge`, {
      method: "POST",
      key,
      json: { into: ids[0] },
    });
    expect(merged.status).toBe(200);
    await problem(await bulk(key, { ids, status: { status: "done" } }), 409, "conflict");
    let body = await problem(await bulk(key, { ids }), 400, "validation-failed");
    expect(body.errors).toMatchObject([
      { path: "body.status", message: "Choose a status, a category or a tag to add or remove" },
    ]);
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(await (await bulk(key, { ids: [ids[0]], tags: { add: ten } })).json()).toEqual({ updated: 1, notified: 0 });
    body = await problem(await bulk(key, { ids: [ids[0]], tags: { add: ["eleventh"] } }), 400, "validation-failed");
    expect(body.errors).toMatchObject([{ path: "body.tags.add", message: "A post has at most 10 tags" }]);
    const [first] = await db().select().from(feedbackPosts).where(eq(feedbackPosts.id, ids[0]));
    expect(first).toMatchObject({ status: "under_review", tags: ten });
  });
});
