import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { feedbackPosts } from "../../db/schema/index.ts";
import { call, db, identityToken, newKey, problem } from "./helpers.ts";

let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;
type Category = { id: string; name: string; position: number };
type Post = { id: string; title: string; category: { id: string; name: string } | null };

async function board(key: string) {
  const slug = uniq("cat");
  expect((await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: slug } })).status).toBe(201);
  return slug;
}
async function addCategory(key: string, slug: string, name: string) {
  const res = await call(`/api/v1/feedback/boards/${slug}/categories`, { method: "POST", key, json: { name } });
  expect(res.status).toBe(201);
  return (await res.json()) as Category;
}
async function visitorPost(slug: string, json: Record<string, unknown>) {
  const id = uniq("visitor");
  const token = await identityToken({ id, email: `${id}@example.com` });
  return call(`/api/v1/boards/${slug}/posts`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    json: { body: "Please", ...json },
  });
}
const publicBoard = async (slug: string, query = "") =>
  (await (await call(`/api/v1/boards/${slug}${query}`)).json()) as { board: { categories: Category[] }; data: Post[] };

describe("board categories", () => {
  it("are created, renamed, reordered and deleted; deleting one leaves its posts uncategorised", async () => {
    const key = await newKey(["feedback"]);
    const slug = await board(key);
    const mobile = await addCategory(key, slug, "Mobile");
    const api = await addCategory(key, slug, "  API ");
    expect([mobile.position, api.name, api.position]).toEqual([0, "API", 1]);

    const renamed = await call(`/api/v1/feedback/boards/${slug}/categories/${mobile.id}`, {
      method: "PATCH",
      key,
      json: { name: "Mobile apps" },
    });
    expect(((await renamed.json()) as Category).name).toBe("Mobile apps");
    const order = await call(`/api/v1/feedback/boards/${slug}/categories`, {
      method: "PUT",
      key,
      json: { ids: [api.id, mobile.id] },
    });
    expect(((await order.json()) as { data: Category[] }).data.map((c) => c.name)).toEqual(["API", "Mobile apps"]);
    const list = (await (await call("/api/v1/feedback/boards", { key })).json()) as {
      data: Array<{ slug: string; categories: Category[] }>;
    };
    expect(list.data.find((b) => b.slug === slug)?.categories.map((c) => c.name)).toEqual(["API", "Mobile apps"]);

    const res = await visitorPost(slug, { title: "Offline mode", categoryId: mobile.id });
    expect(res.status).toBe(201);
    const post = (await res.json()) as Post;
    expect(post.category).toEqual({ id: mobile.id, name: "Mobile apps" });

    const del = await call(`/api/v1/feedback/boards/${slug}/categories/${mobile.id}`, { method: "DELETE", key });
    expect(del.status).toBe(204);
    const [row] = await db().select().from(feedbackPosts).where(eq(feedbackPosts.id, post.id));
    expect(row.categoryId).toBeNull();
    expect((await publicBoard(slug)).data).toMatchObject([{ id: post.id, category: null }]);
    expect((await publicBoard(slug)).board.categories.map((c) => c.name)).toEqual(["API"]);
  });

  it("refuses a duplicate name (any case), a long one, and a category of another board, changing nothing", async () => {
    const key = await newKey(["feedback"]);
    const slug = await board(key);
    const other = await board(key);
    await addCategory(key, slug, "UI");
    const foreign = await addCategory(key, other, "Billing");

    const dup = await call(`/api/v1/feedback/boards/${slug}/categories`, { method: "POST", key, json: { name: "ui" } });
    const body = await problem(dup, 409, "conflict");
    expect(body.errors).toEqual([{ path: "body.name", message: "This board already has a category named “ui”" }]);
    const long = await call(`/api/v1/feedback/boards/${slug}/categories`, {
      method: "POST",
      key,
      json: { name: "x".repeat(51) },
    });
    expect((await problem(long, 400, "validation-failed")).errors).toMatchObject([
      { path: "body.name", message: "name must be at most 50 characters" },
    ]);
    const listed = (await (await call(`/api/v1/feedback/boards/${slug}/categories`, { key })).json()) as {
      data: Category[];
    };
    expect(listed.data.map((c) => c.name)).toEqual(["UI"]);

    // A post takes only a category of its own board: from a visitor, an admin, an edit or a bulk change.
    const refused = await visitorPost(slug, { title: "Invoices", categoryId: foreign.id });
    expect((await problem(refused, 400, "validation-failed")).errors).toEqual([
      { path: "body.categoryId", message: "categoryId is not a category of this board" },
    ]);
    const admin = await call("/api/v1/feedback/posts", {
      method: "POST",
      key,
      json: { board: slug, title: "Invoices", categoryId: foreign.id },
    });
    await problem(admin, 400, "validation-failed");
    expect((await publicBoard(slug)).data).toEqual([]);

    const made = (await (
      await call("/api/v1/feedback/posts", { method: "POST", key, json: { board: slug, title: "Dark mode" } })
    ).json()) as Post;
    const edit = await call(`/api/v1/feedback/posts/${made.id}`, {
      method: "PATCH",
      key,
      json: { categoryId: foreign.id },
    });
    await problem(edit, 400, "validation-failed");
    const bulk = await call("/api/v1/feedback/posts/bulk", {
      method: "POST",
      key,
      json: { ids: [made.id], categoryId: foreign.id },
    });
    await problem(bulk, 400, "validation-failed");
    const [row] = await db().select().from(feedbackPosts).where(eq(feedbackPosts.id, made.id));
    expect(row.categoryId).toBeNull();
  });

  it("is set by an admin and in bulk, and filters the public board, the roadmap and the admin list", async () => {
    const key = await newKey(["feedback"]);
    const slug = await board(key);
    const ui = await addCategory(key, slug, "UI");
    const api = await addCategory(key, slug, "API");
    const create = async (title: string, categoryId?: string) =>
      (await (
        await call("/api/v1/feedback/posts", { method: "POST", key, json: { board: slug, title, categoryId } })
      ).json()) as Post;
    const dark = await create("Dark mode", ui.id);
    const hooks = await create("Webhooks");
    const sdk = await create("Go SDK");
    expect(dark.category).toEqual({ id: ui.id, name: "UI" });

    const bulk = await call("/api/v1/feedback/posts/bulk", {
      method: "POST",
      key,
      json: { ids: [hooks.id, sdk.id], categoryId: api.id, status: { status: "planned", notify: false } },
    });
    expect(await bulk.json()).toEqual({ updated: 2, notified: 0 });
    const moved = await call(`/api/v1/feedback/posts/${sdk.id}`, { method: "PATCH", key, json: { categoryId: null } });
    expect(((await moved.json()) as Post).category).toBeNull();

    const titles = (posts: Post[]) => posts.map((p) => p.title).sort();
    expect(titles((await publicBoard(slug, `?category=${api.id}`)).data)).toEqual(["Webhooks"]);
    expect(titles((await publicBoard(slug, "?category=none")).data)).toEqual(["Go SDK"]);
    const admin = (await (await call(`/api/v1/feedback/posts?board=${slug}&category=${ui.id}`, { key })).json()) as {
      data: Post[];
    };
    expect(titles(admin.data)).toEqual(["Dark mode"]);

    const page = await (await call(`/feedback/${slug}?category=${ui.id}`)).text();
    expect(page).toContain("Dark mode");
    expect(page).not.toContain("Webhooks");
    expect(page).toMatch(/<option value="[^"]+" selected="">UI<\/option>/);

    const roadmap = await (await call(`/roadmap?category=${api.id}`)).text();
    expect(roadmap).toContain("Webhooks");
    expect(roadmap).toContain("· API");
    expect(roadmap).not.toContain("Go SDK");
    expect((await call("/roadmap")).status).toBe(200);
    expect(await (await call("/roadmap")).text()).toContain("Go SDK");
  });
});
