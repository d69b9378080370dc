import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, like } from "drizzle-orm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { apiKeys, contacts, deadLetters, webhookDeliveries, webhookEvents } from "../../db/schema/index.ts";
import { app, handleError } from "../../worker/app.ts";
import worker from "../../worker/index.ts";
import { sha256Hex } from "../../worker/lib/crypto.ts";
import { insertChunks, runBatch } from "../../worker/lib/db.ts";
import { newRouter } from "../../worker/lib/openapi.ts";
import { rateLimit } from "../../worker/lib/rate-limit.ts";
import { KEY_FRESH_MS, lookUpKey } from "../../worker/lib/store/api-keys.ts";
import { fanOutEvents, retryDelaySeconds } from "../../worker/lib/webhooks.ts";
import { call, db, eventually, freshRateWindow, identityToken, newKey, problem, runJobs } from "./helpers.ts";

describe("errors are problem+json", () => {
  it("400 names each invalid field and writes nothing", async () => {
    const key = await newKey();
    const before = await db().query.apiKeys.findMany();
    const body = await problem(
      await call("/api/v1/keys", { method: "POST", key, json: { name: "", scopes: ["root"] } }),
      400,
      "validation-failed",
    );
    expect(body.errors?.map((e) => e.path).sort()).toEqual(["body.name", "body.scopes.0"]);
    expect(await db().query.apiKeys.findMany()).toHaveLength(before.length);
  });

  it("400 for a body that is not JSON", async () => {
    const key = await newKey();
    const res = await call("/api/v1/keys", {
      method: "POST",
      key,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    await problem(res, 400, "malformed-body");
  });

  it("401 without a key, 403 with the wrong scope", async () => {
    await problem(await call("/api/v1/keys"), 401, "unauthorized");
    const readKey = await newKey(["read"]);
    const body = await problem(
      await call("/api/v1/keys", { method: "POST", key: readKey, json: { name: "x", scopes: ["read"] } }),
      403,
      "forbidden",
    );
    expect(body).toMatchObject({ requiredScope: "admin" });
  });

  it("404 for unknown routes and unknown ids", async () => {
    await problem(await call("/api/v1/nothing-here"), 404, "not-found");
    await problem(await call("/api/v1/keys/key_missing", { method: "DELETE", key: await newKey() }), 404, "not-found");
  });

  it("405 with Allow for a known path and a wrong method", async () => {
    const res = await call("/api/v1/health", { method: "PUT" });
    await problem(res, 405, "method-not-allowed");
    expect(res.headers.get("allow")).toBe("GET");
  });

  it("409 when a key tries to revoke itself", async () => {
    const key = await newKey();
    const [me] = (await db().query.apiKeys.findMany()).filter((k) => key.startsWith(k.prefix));
    await problem(await call(`/api/v1/keys/${me.id}`, { method: "DELETE", key }), 409, "conflict");
  });

  it("413 for a body over 1 MiB", async () => {
    const key = await newKey();
    const res = await call("/api/v1/keys", {
      method: "POST",
      key,
      json: { name: "x".repeat(1024 * 1024 + 10), scopes: ["read"] },
    });
    await problem(res, 413, "payload-too-large");
  });

  it("415 for a JSON endpoint sent another content type", async () => {
    const key = await newKey();
    const res = await call("/api/v1/keys", {
      method: "POST",
      key,
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await problem(res, 415, "unsupported-media-type");
  });

  it("429 with Retry-After once a visitor exceeds the public write limit", async () => {
    const t = newRouter();
    t.post("/write", rateLimit("test"), (c) => c.text("ok"));
    t.onError(handleError);
    const statuses: number[] = [];
    let limited: Response | undefined;
    await freshRateWindow();
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await t.request("/write", { method: "POST", headers: { "cf-connecting-ip": "203.0.113.9" } }, env);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses[0]).toBe(200);
    expect(limited).toBeDefined();
    await problem(limited as Response, 429, "rate-limited");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another visitor is not affected.
    const other = await t.request("/write", { method: "POST", headers: { "cf-connecting-ip": "203.0.113.10" } }, env);
    expect(other.status).toBe(200);
  }, 40_000);

  it("500 without internals", async () => {
    const t = newRouter();
    t.get("/boom", () => {
      throw new Error("secret stack detail");
    });
    t.onError(handleError);
    const res = await t.request("/boom", {}, env);
    const body = await problem(res, 500, "internal");
    expect(JSON.stringify(body)).not.toContain("secret stack detail");
  });
});

describe("API keys", () => {
  it("are shown once, listed by prefix only, and stop working when revoked", async () => {
    const admin = await newKey();
    const res = await call("/api/v1/keys", { method: "POST", key: admin, json: { name: "CI", scopes: ["read"] } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; key: string; prefix: string };
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);

    const stored = await db().query.apiKeys.findFirst({ where: (k, { eq }) => eq(k.id, created.id) });
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.key);

    const list = await (await call("/api/v1/keys", { key: admin })).text();
    expect(list).toContain(created.prefix);
    expect(list).not.toContain(created.key);

    expect((await call("/api/v1/me", { key: created.key })).status).toBe(200);
    expect((await call(`/api/v1/keys/${created.id}`, { method: "DELETE", key: admin })).status).toBe(200);
    const after = await problem(await call("/api/v1/me", { key: created.key }), 401, "unauthorized");
    expect(JSON.stringify(after)).toContain("revoked");
  });

  it("a key revoked elsewhere (another Worker instance, the CLI) is refused within 5 seconds", async () => {
    const key = await newKey(["read"]);
    const hash = await sha256Hex(key);
    const t0 = 1_800_000_000_000;
    expect((await lookUpKey(db(), hash, t0))?.revokedAt).toBeNull();
    // Revoked straight in D1, as another instance's revocation is seen from here.
    await db().update(apiKeys).set({ revokedAt: t0 }).where(eq(apiKeys.hash, hash));
    expect((await lookUpKey(db(), hash, t0 + KEY_FRESH_MS - 1))?.revokedAt).toBeNull();
    expect((await lookUpKey(db(), hash, t0 + KEY_FRESH_MS))?.revokedAt).toBe(t0);
    // A revoked key is never kept: it stays refused.
    expect((await lookUpKey(db(), hash, t0 + KEY_FRESH_MS + 1))?.revokedAt).toBe(t0);
    expect(KEY_FRESH_MS).toBe(5_000);
  });

  it("scopes: read may read anything, a capability scope only its own writes", async () => {
    const read = await newKey(["read"]);
    expect((await call("/api/v1/me", { key: read })).status).toBe(200);
    expect((await call("/api/v1/keys", { key: read })).status).toBe(403); // key admin is admin-only
  });
});

describe("Cloudflare Access", () => {
  it("accepts a valid Access JWT for the configured audience instead of a key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const accessEnv = {
      ...env,
      ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com",
      ACCESS_AUD: "aud-123",
      ACCESS_JWKS: JSON.stringify({ keys: [jwk] }),
    };
    const sign = (aud: string, o: { issuer?: string; exp?: string | number } = {}) =>
      new SignJWT({ email: "ops@acme.test" })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(o.issuer ?? "https://acme.cloudflareaccess.com")
        .setAudience(aud)
        .setExpirationTime(o.exp ?? "5m")
        .sign(privateKey);
    const ctx = createExecutionContext();
    const ok = await app.fetch(
      new Request("http://x/api/v1/me", { headers: { "cf-access-jwt-assertion": await sign("aud-123") } }),
      accessEnv,
      ctx,
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ kind: "access", name: "ops@acme.test" });
    const wrong = await app.fetch(
      new Request("http://x/api/v1/me", { headers: { "cf-access-jwt-assertion": await sign("other-aud") } }),
      accessEnv,
      ctx,
    );
    await problem(wrong, 401, "unauthorized");
    // Expired (beyond any clock skew), or issued by another team's Access: refused the same way.
    for (const token of [
      await sign("aud-123", { exp: Math.floor(Date.now() / 1000) - 600 }),
      await sign("aud-123", { issuer: "https://evil.cloudflareaccess.com" }),
    ]) {
      const res = await app.fetch(
        new Request("http://x/api/v1/me", { headers: { "cf-access-jwt-assertion": token } }),
        accessEnv,
        ctx,
      );
      await problem(res, 401, "unauthorized");
    }
    await waitOnExecutionContext(ctx);
  });
});

describe("visitor identity", () => {
  it("a valid token names the visitor and upserts one contact", async () => {
    const token = await identityToken({ id: "u-42", email: "Grace@Example.com", name: "Grace" });
    const res = await call("/api/v1/identity", { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ externalId: "u-42", email: "grace@example.com", name: "Grace" });
    // A later token without a name keeps the name, and there is still one contact.
    const again = await identityToken({ id: "u-42" });
    await call("/api/v1/identity", { headers: { authorization: `Bearer ${again}` } });
    const rows = await db().select().from(contacts).where(eq(contacts.externalId, "u-42"));
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe("Grace");
  });

  it.each([
    ["expired", async () => identityToken({ id: "u" }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
    ["wrongly signed", async () => identityToken({ id: "u" }, { secret: "not-the-shared-secret-at-all" })],
    [
      "unsigned (alg none)",
      async () => {
        const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
        return `${b64({ alg: "none", typ: "JWT" })}.${b64({ id: "u", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
      },
    ],
    [
      "without exp",
      async () =>
        new SignJWT({ id: "u" })
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(env.IDENTITY_SECRET)),
    ],
    ["without a user id", async () => identityToken({ email: "x@example.com" })],
  ] as Array<[string, () => Promise<string>]>)("refuses a token that is %s", async (_name, make) => {
    const res = await call("/api/v1/identity", { headers: { authorization: `Bearer ${await make()}` } });
    await problem(res, 401, "unauthorized");
  });
});

describe("outbound webhooks", () => {
  it("delivers a signed Standard Webhooks event and logs the delivery", async () => {
    const key = await newKey();
    const url = `${env.RECEIVER_URL}/hooks/${crypto.randomUUID()}`;
    const created = await call("/api/v1/webhooks", { method: "POST", key, json: { url, eventTypes: ["webhook.*"] } });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; secret: string };
    expect(endpoint.secret).toMatch(/^whsec_/);

    const sent = await call(`/api/v1/webhooks/${endpoint.id}/test`, { method: "POST", key });
    expect(sent.status).toBe(202);
    const { eventId } = (await sent.json()) as { eventId: string };

    const path = new URL(url).pathname;
    const [got] = await eventually(async () => {
      const r = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Array<{
        headers: Record<string, string>;
        body: string;
      }>;
      return r.length ? r : undefined;
    });
    expect(got.headers["webhook-id"]).toBe(eventId);
    const verified = new Webhook(endpoint.secret).verify(got.body, got.headers) as { type: string };
    expect(verified.type).toBe("webhook.test");

    const log = await eventually(async () => {
      const r = (await (await call(`/api/v1/webhooks/deliveries?endpointId=${endpoint.id}`, { key })).json()) as {
        data: Array<{ state: string; attempts: number; lastStatus: number }>;
      };
      return r.data[0]?.state === "succeeded" ? r.data : undefined;
    });
    expect(log[0]).toMatchObject({ attempts: 1, lastStatus: 200 });
  });

  it("refuses endpoints on private addresses unless allowed for local development", async () => {
    const ctx = createExecutionContext();
    const key = await newKey();
    const res = await app.fetch(
      new Request("http://x/api/v1/webhooks", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://169.254.169.254/latest", eventTypes: ["*"] }),
      }),
      { ...env, ALLOW_PRIVATE_URLS: "false" },
      ctx,
    );
    const body = await problem(res, 400, "validation-failed");
    expect(body.errors?.[0].path).toBe("body.url");
    await waitOnExecutionContext(ctx);
  });

  it("checks the URL again as it sends: a refused endpoint fails at once and is not called", async () => {
    const key = await newKey();
    const path = `/hooks/${crypto.randomUUID()}`;
    const created = await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}${path}`, eventTypes: ["manual.check"] },
    });
    const endpoint = (await created.json()) as { id: string };
    const d = db();
    await d.insert(webhookEvents).values({ id: "msg_refused_1", type: "manual.check", payload: {}, fannedOutAt: 1 });
    await d
      .insert(webhookDeliveries)
      .values({ id: "whd_refused_1", eventId: "msg_refused_1", endpointId: endpoint.id });
    const batch = createMessageBatch("rapport-jobs", [
      { id: "r1", timestamp: new Date(), attempts: 1, body: { kind: "webhook.deliver", deliveryId: "whd_refused_1" } },
    ]);
    const ctx = createExecutionContext();
    // Saved while private URLs were allowed (local development), sent by a deployment that refuses them.
    await worker.queue(batch, { ...env, ALLOW_PRIVATE_URLS: "false" }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    const row = await d.query.webhookDeliveries.findFirst({ where: eq(webhookDeliveries.id, "whd_refused_1") });
    expect(row).toMatchObject({ state: "failed", attempts: 1, lastStatus: null });
    expect(row?.lastError).toMatch(/^refused: /);
    const got = await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json();
    expect(got).toEqual([]);
  });

  it("retries a failing endpoint with backoff and records the failure", async () => {
    const key = await newKey();
    const created = await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}/status/500/hook`, eventTypes: ["manual.check"] },
    });
    const endpoint = (await created.json()) as { id: string };
    const d = db();
    await d
      .insert(webhookEvents)
      .values({ id: "msg_retry_1", type: "manual.check", payload: { n: 1 }, fannedOutAt: 1 });
    await d.insert(webhookDeliveries).values({ id: "whd_retry_1", eventId: "msg_retry_1", endpointId: endpoint.id });

    const batch = createMessageBatch("rapport-jobs", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "webhook.deliver", deliveryId: "whd_retry_1" } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { kind: "webhook.deliver", deliveryId: "whd_retry_1" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(["m1", "m2"]);
    const row = await d.query.webhookDeliveries.findFirst({ where: eq(webhookDeliveries.id, "whd_retry_1") });
    expect(row).toMatchObject({ state: "pending", attempts: 2, lastStatus: 500 });
  });

  it("a retry after a failure succeeds: same message id, verifiable, logged as succeeded on the second attempt", async () => {
    const key = await newKey();
    const path = `/fail-first/1/hook-${crypto.randomUUID()}`;
    const created = await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}${path}`, eventTypes: ["manual.flaky"] },
    });
    const endpoint = (await created.json()) as { id: string; secret: string };
    await db()
      .insert(webhookEvents)
      .values({ id: "msg_flaky_1", type: "manual.flaky", payload: { n: 1 }, fannedOutAt: 1 });
    await db().insert(webhookDeliveries).values({ id: "whd_flaky_1", eventId: "msg_flaky_1", endpointId: endpoint.id });
    const deliver = { kind: "webhook.deliver", deliveryId: "whd_flaky_1" };

    const first = await runJobs(deliver);
    expect(first.retryMessages).toHaveLength(1);
    const log = async () =>
      (
        (await (await call(`/api/v1/webhooks/deliveries?endpointId=${endpoint.id}`, { key })).json()) as {
          data: Array<{ state: string; attempts: number; lastStatus: number }>;
        }
      ).data[0];
    expect(await log()).toMatchObject({ state: "pending", attempts: 1, lastStatus: 500 });

    // The queue's retry of the same message.
    const second = await runJobs(deliver);
    expect(second.retryMessages).toEqual([]);
    expect(await log()).toMatchObject({ state: "succeeded", attempts: 2, lastStatus: 200 });
    const got = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
    }>;
    expect(got.map((g) => g.headers["webhook-id"])).toEqual(["msg_flaky_1", "msg_flaky_1"]);
    expect(new Webhook(endpoint.secret).verify(got[1].body, got[1].headers)).toMatchObject({
      type: "manual.flaky",
      data: { n: 1 },
    });
    // Succeeded is final: a late duplicate of the message sends nothing.
    await runJobs(deliver);
    expect(await (await fetch(`${env.RECEIVER_URL}/__received?path=${path}`)).json()).toHaveLength(2);
  });

  it("fans out a sweep's worth of events at once, within D1's bound parameters", async () => {
    const d = db();
    const key = await newKey();
    await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}/bulk-hook`, eventTypes: ["bulk.*"] },
    });
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `msg_bulk_${String(i).padStart(2, "0")}`,
      type: "bulk.created",
      payload: { i },
      createdAt: i,
    }));
    await runBatch(d, insertChunks(d, webhookEvents, events));
    await fanOutEvents(d);
    const deliveries = await d.select().from(webhookDeliveries).where(like(webhookDeliveries.eventId, "msg_bulk_%"));
    expect(deliveries).toHaveLength(30);
  });
});

it("backs off exponentially up to an hour", () => {
  expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([10, 20, 40, 80]);
  expect(retryDelaySeconds(20)).toBe(3600);
});

describe("jobs", () => {
  it("parks unknown and malformed messages in the dead-letter queue without failing the batch", async () => {
    const batch = createMessageBatch<unknown>("rapport-jobs", [
      { id: "u1", timestamp: new Date(), attempts: 1, body: { kind: "no.such.kind" } },
      { id: "u2", timestamp: new Date(), attempts: 1, body: { kind: "webhook.deliver" } },
      { id: "u3", timestamp: new Date(), attempts: 1, body: "not an object" },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["u1", "u2", "u3"]);
    expect(result.retryMessages).toEqual([]);

    const key = await newKey();
    // Other tests park letters of their own: look at these three.
    const sent = [{ kind: "no.such.kind" }, { kind: "webhook.deliver" }, "not an object"].map((b) => JSON.stringify(b));
    const parked = await eventually(async () => {
      const r = (await (await call("/api/v1/jobs/dead-letters", { key })).json()) as {
        data: Array<{ reason: string; body: { body: unknown } }>;
      };
      const ours = r.data.filter((p) => sent.includes(JSON.stringify(p.body.body)));
      return ours.length >= 3 ? ours : undefined;
    });
    expect(parked.map((p) => p.reason).sort()).toEqual(["malformed", "unknown-kind", "unknown-kind"]);
  });

  it("stores dead letters once, however often they are delivered", async () => {
    const msg = { id: "dl-1", timestamp: new Date(), attempts: 1, body: { reason: "malformed", body: {} } };
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch("rapport-dlq", [msg]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      await getQueueResult(batch, ctx);
    }
    expect(await db().select().from(deadLetters).where(eq(deadLetters.id, "dl-1"))).toHaveLength(1);
  });

  it("cron enqueues what is due and the queue fans it out", async () => {
    const d = db();
    const key = await newKey();
    await call("/api/v1/webhooks", {
      method: "POST",
      key,
      json: { url: `${env.RECEIVER_URL}/cron-hook`, eventTypes: ["cron.check"] },
    });
    await d.insert(webhookEvents).values({ id: "msg_cron_1", type: "cron.check", payload: {} });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    await eventually(async () => {
      const ev = await d.query.webhookEvents.findFirst({ where: eq(webhookEvents.id, "msg_cron_1") });
      return ev?.fannedOutAt != null;
    });
    const deliveries = await d.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, "msg_cron_1"));
    expect(deliveries).toHaveLength(1);
  });
});

describe("health, CORS, headers", () => {
  it("reports version, applied migrations and a reachable database", async () => {
    const res = await call("/api/v1/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      database: { migrations: { applied: string[]; pending: string[] } };
    };
    expect(body.status).toBe("ok");
    expect(body.database.migrations.applied).toContain("0000_core");
    expect(body.database.migrations.pending).toEqual([]);
  });

  it("allows CORS only for the configured console origin", async () => {
    const ctx = createExecutionContext();
    const cfgEnv = { ...env, CONSOLE_ORIGIN: "https://console.example.com" };
    const allowed = await app.fetch(
      new Request("http://x/api/v1/health", { headers: { origin: "https://console.example.com" } }),
      cfgEnv,
      ctx,
    );
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example.com");
    const other = await app.fetch(
      new Request("http://x/api/v1/health", { headers: { origin: "https://evil.example" } }),
      cfgEnv,
      ctx,
    );
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    // A browser's preflight for an authorised write: answered without a key, and only for the console.
    const preflight = (origin: string) =>
      app.fetch(
        new Request("http://x/api/v1/keys", {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "PATCH",
            "access-control-request-headers": "authorization,content-type,idempotency-key",
          },
        }),
        cfgEnv,
        ctx,
      );
    const pre = await preflight("https://console.example.com");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://console.example.com");
    expect(pre.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(pre.headers.get("access-control-allow-headers")?.split(",").sort()).toEqual(
      // x-d1-bookmark: a client of the visitor API sends back the bookmark of its own writes.
      ["authorization", "content-type", "idempotency-key", "x-d1-bookmark"].sort(),
    );
    expect(pre.headers.get("access-control-max-age")).toBe("600");
    const foreign = await preflight("https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    await waitOnExecutionContext(ctx);
  });

  it("puts a CSP and a request id on HTML responses", async () => {
    const res = await call("/api/v1/docs");
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.text()).toContain("/api/v1/keys");
  });
});
