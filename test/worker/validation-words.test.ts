import { describe, expect, it } from "vitest";
import { call, identityToken, newKey, problem } from "./helpers.ts";

type Problem = { detail?: string; errors?: Array<{ path: string; message: string }> };

/** Refused inputs across capabilities: each answer is problem+json, and each field error is in words. */
const CASES: Array<{ path: string; method?: string; json?: unknown; visitor?: boolean; want: Record<string, string> }> =
  [
    {
      path: "/api/v1/feedback/boards",
      json: { visibility: "secret" },
      want: {
        "body.slug": "slug is required",
        "body.name": "name is required",
        "body.visibility": "visibility must be one of: public, identified",
      },
    },
    {
      path: "/api/v1/feedback/posts/fbp_any/status",
      json: { status: "shipped", notify: "yes" },
      want: {
        "body.status": "status must be one of: under_review, planned, in_progress, done, declined",
        "body.notify": "notify must be true or false",
      },
    },
    {
      path: "/api/v1/feedback/posts?limit=many",
      method: "GET",
      want: { "query.limit": "limit must be a number" },
    },
    {
      path: "/api/v1/boards/any-board/posts",
      visitor: true,
      json: { title: "ab", tags: "ui" },
      want: { "body.title": "title must be at least 3 characters", "body.tags": "tags must be a list" },
    },
    {
      path: "/api/v1/status/pages",
      json: { slug: "ok", name: 5, partialWeight: 2 },
      want: { "body.name": "name must be text", "body.partialWeight": "partialWeight must be at most 1" },
    },
    { path: "/api/v1/nps/surveys", json: { name: "" }, want: { "body.name": "name is required" } },
    {
      path: "/api/v1/keys",
      json: { name: "x".repeat(101), scopes: ["everything"] },
      want: {
        "body.name": "name must be at most 100 characters",
        "body.scopes.0": "scopes[0] must be one of:",
      },
    },
    { path: "/api/v1/emails/triggers", json: {}, want: { "body.templateId": "Choose a template" } },
    {
      path: "/api/v1/programs",
      json: { name: 1 },
      want: { "body.name": "name must be text", "body.rewardPolicy": "rewardPolicy is required" },
    },
    {
      path: "/api/v1/feedback/posts/fbp_any",
      method: "PATCH",
      json: { categoryId: 5, impact: 11 },
      want: { "body.categoryId": "categoryId must be text", "body.impact": "impact must be at most 10" },
    },
  ];

describe("validation messages", () => {
  it("name the field in words, never zod's defaults", async () => {
    const key = await newKey(["admin"]);
    const token = await identityToken({ id: "words-visitor", email: "words@example.com" });
    for (const c of CASES) {
      const res = await call(c.path, {
        method: c.method ?? "POST",
        ...(c.visitor ? { headers: { authorization: `Bearer ${token}` } } : { key }),
        ...(c.json === undefined ? {} : { json: c.json }),
      });
      const body = (await problem(res, 400, "validation-failed")) as Problem;
      const text = JSON.stringify(body);
      expect(text, c.path).not.toMatch(/Expected|received|Invalid input|Invalid option|Too (small|big)/);
      expect(body.errors?.length, c.path).toBeGreaterThan(0);
      // Every error names its field; messages a schema words itself need not repeat it.
      for (const e of body.errors ?? []) expect(e.path, c.path).toMatch(/^(body|query|param)\.\w/);
      const got = Object.fromEntries((body.errors ?? []).map((e) => [e.path, e.message]));
      for (const [path, message] of Object.entries(c.want)) expect(got[path], c.path).toContain(message);
    }
  });
});
