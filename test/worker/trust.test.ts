import { env } from "cloudflare:workers";
import { count } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import {
  contacts,
  emailEvents,
  feedbackComments,
  feedbackPosts,
  feedbackVotes,
  npsResponses,
  statusIncidents,
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
      // Ingestion reads JSON under any label; an encoding other than gzip is what it cannot take.
      await call("/v1/track", {
        method: "POST",
        key,
        body: JSON.stringify({ userId: "u", event: "x" }),
        headers: { "content-type": "application/json", "content-encoding": "br" },
      }),
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

describe("found by the hostile-input run", () => {
  it("an incident naming a component twice is a 400, not a 500, and writes nothing", async () => {
    const { key, page, components } = await makePage(undefined, { components: 1 });
    const id = components[0].id;
    const before = await rows(statusIncidents);
    const incident = await call(`/api/v1/status/pages/${page.id}/incidents`, {
      method: "POST",
      key,
      json: {
        name: "Outage",
        body: "Looking into it",
        components: [
          { id, status: "major_outage" },
          { id, status: "operational" },
        ],
      },
    });
    expect((await problem(incident, 400, "validation-failed")).errors?.map((e) => e.path)).toEqual(["body.components"]);
    expect(await rows(statusIncidents)).toBe(before);
  });
});

describe("found by the hostile-input run: free-form JSON", () => {
  it("traits or properties nested deeper than SQLite's JSON reads are a 400, not a 500, and write nothing", async () => {
    const key = await newKey(["emails"]);
    const before = await Promise.all([contacts, emailEvents].map(rows));
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    const calls = [
      ["/v1/identify", `{"userId":"deep-1","traits":{"plan":${deep(10_000)}}}`],
      ["/v1/identify", `{"userId":"deep-2","traits":{"plan":${deep(33)}}}`],
      ["/v1/track", `{"userId":"deep-3","event":"x","properties":{"items":${deep(10_000)}}}`],
    ];
    for (const [path, body] of calls) {
      const res = await call(path, { method: "POST", key, body, headers: { "content-type": "application/json" } });
      await problem(res, 400, "validation-failed");
    }
    expect(await Promise.all([contacts, emailEvents].map(rows))).toEqual(before);
    // As deep as allowed is taken.
    const ok = await call("/v1/identify", {
      method: "POST",
      key,
      body: `{"userId":"deep-4","traits":{"plan":${deep(31)}}}`,
      headers: { "content-type": "application/json" },
    });
    expect(ok.status).toBe(200);
  });
});

describe("found by the hostile-input run: writes before refusing", () => {
  it("a conversion naming an unknown code or click id records no customer", async () => {
    const key = await newKey(["referrals"]);
    const before = await rows(contacts);
    for (const named of [{ code: "NO-SUCH-CODE" }, { clickId: "not-a-click" }]) {
      const res = await call("/api/v1/conversions", {
        method: "POST",
        key,
        headers: { "idempotency-key": uniq("idem") },
        json: { event: "signup", customer: { id: uniq("stranger") }, occurredAt: new Date().toISOString(), ...named },
      });
      await problem(res, 400, "validation-failed");
    }
    expect(await rows(contacts)).toBe(before);
  });
});
