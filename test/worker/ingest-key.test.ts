import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { API_SCOPES, contacts } from "../../db/schema/index.ts";
import { allows } from "../../worker/lib/auth.ts";
import { call, db, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const basic = (key: string) => ({ authorization: `Basic ${btoa(`${key}:`)}` });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

type Op = { security?: Array<Record<string, unknown>> };
type Doc = { paths: Record<string, Record<string, Op>> };

async function identify(headers: Record<string, string>, userId: string) {
  return call("/v1/identify", {
    method: "POST",
    headers,
    json: { userId, traits: { email: `${userId}@example.com` }, messageId: `m-${uid()}` },
  });
}

async function expectForbidden(res: Response, label: string) {
  expect(res.status, label).toBe(403);
  expect(res.headers.get("content-type"), label).toContain("application/problem+json");
  expect(await res.json(), label).toMatchObject({ status: 403, requiredScope: expect.any(String) });
}

describe("the ingest scope: a write key safe to embed in a web page", () => {
  it("ingests through every ingestion route, with Basic and with Bearer", async () => {
    const key = await newKey(["ingest"]);
    const user = `web-${uid()}`;
    expect((await identify(basic(key), user)).status).toBe(200);
    const track = { userId: user, event: "signed_up", messageId: `m-${uid()}` };
    for (const [path, json, headers] of [
      ["/v1/track", track, bearer(key)],
      ["/v1/batch", { batch: [{ ...track, type: "track", messageId: `m-${uid()}` }] }, basic(key)],
      ["/api/v1/events", { batch: [{ ...track, type: "track", messageId: `m-${uid()}` }] }, bearer(key)],
    ] as const) {
      const res = await call(path, { method: "POST", json, headers });
      expect(res.status, path).toBe(200);
      expect(await res.json(), path).toMatchObject({ success: true, accepted: 1 });
    }
  });

  it("can neither export nor erase a contact, nor read anything", async () => {
    const key = await newKey(["ingest"]);
    const user = `web-${uid()}`;
    expect((await identify(bearer(key), user)).status).toBe(200);
    const [contact] = await db().select().from(contacts).where(eq(contacts.externalId, user));

    await expectForbidden(await call(`/api/v1/contacts/${contact.id}/export`, { key }), "export");
    await expectForbidden(await call(`/api/v1/contacts/${contact.id}`, { method: "DELETE", key }), "erase");
    await expectForbidden(await call("/api/v1/contacts", { key }), "list contacts");
    await expectForbidden(await call("/api/v1/me", { key }), "me");
    // The contact is still there, untouched.
    expect(await db().select().from(contacts).where(eq(contacts.id, contact.id))).toHaveLength(1);
  });

  it("is refused by every admin operation of the OpenAPI document, GET included", async () => {
    const key = await newKey(["ingest"]);
    const doc = (await (await call("/api/v1/openapi.json")).json()) as Doc;
    const admin = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.security?.some((s) => Object.hasOwn(s, "apiKey")))
        // Ingestion routes also accept the write key: those are the ones this key is for.
        .filter(([, op]) => !op.security?.some((s) => Object.hasOwn(s, "writeKey")))
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "x") })),
    );
    expect(admin.filter((o) => o.method === "GET").length).toBeGreaterThan(10);
    await Promise.all(
      admin.map(async ({ method, path }) => expectForbidden(await call(path, { method, key }), `${method} ${path}`)),
    );
  }, 120_000);

  it("is made with POST /api/v1/keys, and wider keys keep ingesting", async () => {
    const admin = await newKey(["admin"]);
    const res = await call("/api/v1/keys", { method: "POST", key: admin, json: { name: "web", scopes: ["ingest"] } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { key: string; scopes: string[] };
    expect(created.scopes).toEqual(["ingest"]);
    expect((await identify(basic(created.key), `web-${uid()}`)).status).toBe(200);
    await expectForbidden(await call("/api/v1/keys", { key: created.key }), "list keys");

    for (const scopes of [["emails"], ["admin"]] as const) {
      expect((await identify(basic(await newKey([...scopes])), `srv-${uid()}`)).status, scopes[0]).toBe(200);
    }
    for (const scopes of [["read"], ["kpis"]] as const) {
      await expectForbidden(await identify(basic(await newKey([...scopes])), `x-${uid()}`), scopes[0]);
    }
  });

  it("allows(): ingest opens no admin scope; only ingest, emails and admin open ingestion", () => {
    for (const needed of API_SCOPES.filter((s) => s !== "ingest")) {
      for (const method of ["GET", "HEAD", "POST", "DELETE"]) {
        expect(allows(["ingest"], needed, method), `${needed} ${method}`).toBe(false);
      }
    }
    expect(allows(["ingest"], "ingest", "POST")).toBe(true);
    expect(allows(["emails"], "ingest", "POST")).toBe(true);
    expect(allows(["admin"], "ingest", "POST")).toBe(true);
    expect(allows(["read"], "ingest", "GET")).toBe(false);
    expect(allows(["kpis", "status"], "ingest", "POST")).toBe(false);
    // Unchanged for the others.
    expect(allows(["read"], "emails", "GET")).toBe(true);
    expect(allows(["emails"], "emails", "DELETE")).toBe(true);
    expect(allows(["emails"], "admin", "GET")).toBe(false);
  });
});
