import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statusMonitors, statusSubscribers, webhookEndpoints } from "../../db/schema/index.ts";
import { app } from "../../worker/app.ts";
import { db, newKey } from "./helpers.ts";
import { makePage } from "./status-support.ts";

/**
 * The Worker as deployed (ALLOW_PRIVATE_URLS=false). The test suite's own binding is true so that
 * webhooks can reach the local receiver; these requests run with the production value instead.
 */
async function strictCall(path: string, method: string, json: unknown, key?: string) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://rapport.test${path}`, {
      method,
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(json),
    }),
    { ...env, ALLOW_PRIVATE_URLS: "false" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectUrlRefused(res: Response, why: RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { type: string; errors: Array<{ path: string; message: string }> };
  expect(body.type).toBe("urn:rapport:problem:validation-failed");
  expect(body.errors).toEqual([{ path: "body.url", message: expect.stringMatching(why) }]);
}

describe("every place that takes an outbound URL refuses private destinations (ALLOW_PRIVATE_URLS=false)", () => {
  it("webhook endpoints, on create and on update", async () => {
    const key = await newKey();
    const hook = (url: string) => ({ url, eventTypes: ["*"] });
    await expectUrlRefused(
      await strictCall("/api/v1/webhooks", "POST", hook("https://[::ffff:a9fe:a9fe]/latest"), key),
      /link-local or cloud metadata/,
    );
    const created = await strictCall("/api/v1/webhooks", "POST", hook("https://example.com/hook"), key);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await expectUrlRefused(
      await strictCall(`/api/v1/webhooks/${id}`, "PATCH", { url: "https://0x7f.1/" }, key),
      /loopback/,
    );
    expect((await db().select().from(webhookEndpoints)).map((r) => r.url)).toEqual(["https://example.com/hook"]);
  });

  it("HTTP monitors", async () => {
    const { key, components } = await makePage();
    for (const url of ["https://metadata.google.internal./computeMetadata/v1/", "https://[64:ff9b::10.0.0.1]/"]) {
      await expectUrlRefused(
        await strictCall(`/api/v1/status/components/${components[0].id}/monitors`, "POST", { kind: "http", url }, key),
        /^points at /,
      );
    }
    expect(await db().select().from(statusMonitors).where(eq(statusMonitors.componentId, components[0].id))).toEqual(
      [],
    );
  });

  it("status webhook subscriptions (anonymous)", async () => {
    const { slug, page } = await makePage();
    for (const url of [
      "https://nas.lan/hook",
      "https://[::127.0.0.1]/",
      "https://2130706433/",
      "http://example.com/",
    ]) {
      await expectUrlRefused(await strictCall(`/status/${slug}/api/v2/subscribers.json`, "POST", { url }), /./);
    }
    expect(await db().select().from(statusSubscribers).where(eq(statusSubscribers.pageId, page.id))).toEqual([]);
  });
});
