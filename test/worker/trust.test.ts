import { env } from "cloudflare:workers";
import { count } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import {
  feedbackComments,
  feedbackPosts,
  feedbackVotes,
  npsResponses,
  statusSubscribers,
} from "../../db/schema/index.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { call, db, identityToken, newKey, problem } from "./helpers.ts";
import { newProgram } from "./referrals-support.ts";
import { makePage } from "./status-support.ts";

const rows = async (table: SQLiteTable) => (await db().select({ n: count() }).from(table))[0].n;
const uniq = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

describe("an empty update changes nothing", () => {
  it("PATCH {} on a webhook endpoint answers 200 with the endpoint as it was", async () => {
    const key = await newKey();
    const created = await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}/hooks/empty`, eventTypes: ["reward.*"], description: "Billing" },
    });
    expect(created.status).toBe(201);
    const { secret: _secret, ...endpoint } = (await created.json()) as Record<string, unknown> & { id: string };
    for (const json of [{}, { unknownField: "ignored" }]) {
      const res = await call(`/api/v1/webhooks/${endpoint.id}`, { method: "PATCH", key, json });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(endpoint);
    }
    await problem(await call("/api/v1/webhooks/whe_missing", { method: "PATCH", key, json: {} }), 404, "not-found");
  });

  it("PATCH {} on a status page answers 200 with the page as it was (not even updatedAt moves)", async () => {
    const { key, page } = await makePage(undefined, { components: 0 });
    const before = await (await call(`/api/v1/status/pages/${page.id}`, { key })).json();
    const res = await call(`/api/v1/status/pages/${page.id}`, { method: "PATCH", key, json: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(before);
    await problem(await call("/api/v1/status/pages/sp_missing", { method: "PATCH", key, json: {} }), 404, "not-found");
  });

  it("a PATCH leaves the fields it does not name as they are (create defaults are not applied again)", async () => {
    const key = await newKey();
    const slug = uniq("defaults");
    const board = { slug, name: "Private ideas", visibility: "identified", moderated: true };
    expect((await call("/api/v1/feedback/boards", { method: "POST", key, json: board })).status).toBe(201);
    const renamed = await call(`/api/v1/feedback/boards/${slug}`, { method: "PATCH", key, json: { name: "Ideas" } });
    expect(await renamed.json()).toMatchObject({ ...board, name: "Ideas" });

    const program = await newProgram(key, {
      windowDays: 30,
      attributionModel: "first_click",
      qualifyingEvent: { type: "event", event: "first_payment" },
    });
    const res = await call(`/api/v1/programs/${program.id}`, { method: "PATCH", key, json: { name: "Renamed" } });
    expect(await res.json()).toMatchObject({
      name: "Renamed",
      windowDays: 30,
      attributionModel: "first_click",
      qualifyingEvent: { type: "event", event: "first_payment" },
    });
  });
});

/** A multipart body whose parts never use the boundary the header announces. */
const brokenMultipart = {
  headers: { "content-type": "multipart/form-data; boundary=announced" },
  body: '--other\r\nContent-Disposition: form-data; name="email"\r\n\r\nada@example.com\r\n--other--',
};

describe("a form that cannot be read is a 400 and changes nothing", () => {
  it("the status page's subscribe form", async () => {
    const { slug } = await makePage(undefined, { components: 0 });
    const before = await rows(statusSubscribers);
    const res = await call(`/status/${slug}/subscribe`, { method: "POST", ...brokenMultipart });
    await problem(res, 400, "malformed-body");
    expect(await rows(statusSubscribers)).toBe(before);
  });

  it("the NPS answer page", async () => {
    const key = await newKey();
    const survey = (await (
      await call("/api/v1/nps/surveys", { method: "POST", key, json: { name: "Trust NPS" } })
    ).json()) as { id: string };
    const before = await rows(npsResponses);
    await problem(await call(`/nps/${survey.id}`, { method: "POST", ...brokenMultipart }), 400, "malformed-body");
    expect(await rows(npsResponses)).toBe(before);
  });

  it("the feedback board's post, vote and comment forms", async () => {
    const key = await newKey(["feedback"]);
    const slug = uniq("trust");
    await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: "Trust" } });
    const post = (await (
      await call("/api/v1/feedback/posts", {
        method: "POST",
        key,
        json: { board: slug, title: "Dark mode", author: { externalId: uniq("author") } },
      })
    ).json()) as { id: string };
    const id = uniq("voter");
    // The visitor is known before: a refused form must not even record them.
    await upsertContact(db(), { externalId: id });
    const me = `rapport_identity=${await identityToken({ id })}`;
    const tables = [feedbackPosts, feedbackVotes, feedbackComments];
    const before = await Promise.all(tables.map(rows));
    for (const path of [
      `/feedback/${slug}/posts`,
      `/feedback/${slug}/${post.id}/vote`,
      `/feedback/${slug}/${post.id}/comments`,
    ]) {
      const res = await call(path, {
        method: "POST",
        body: brokenMultipart.body,
        headers: { ...brokenMultipart.headers, cookie: me, "sec-fetch-site": "same-origin" },
      });
      await problem(res, 400, "malformed-body");
    }
    expect(await Promise.all(tables.map(rows))).toEqual(before);
  });
});

describe("every 4xx names its own problem", () => {
  it("415 for a declared body type the route does not take, on /api and elsewhere", async () => {
    const key = await newKey();
    // An empty text body passes the /api guard and meets the route's own media-type check.
    await problem(
      await call("/api/v1/keys", { method: "POST", key, headers: { "content-type": "text/plain" } }),
      415,
      "unsupported-media-type",
    );
    await problem(
      await call("/v1/track", { method: "POST", key, body: "event=x", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported-media-type",
    );
    const { slug } = await makePage(undefined, { components: 0 });
    await problem(
      await call(`/status/${slug}/api/v2/subscribers.json`, {
        method: "POST",
        body: "email=ada@example.com",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported-media-type",
    );
  });

  it("413 for a streamed body over 1 MiB (no Content-Length to refuse it by)", async () => {
    const key = await newKey();
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call("/v1/batch", {
      method: "POST",
      key,
      body,
      headers: { "content-type": "application/json" },
      // @ts-expect-error: a streamed request body needs `duplex`, which the RequestInit type lacks here
      duplex: "half",
    });
    await problem(res, 413, "payload-too-large");
  });
});
