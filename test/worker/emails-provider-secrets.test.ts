import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailSuppressions } from "../../db/schema/index.ts";
import { addressHash } from "../../worker/emails/signing.ts";
import { call, db, newKey } from "./helpers.ts";

const uid = () => crypto.randomUUID().slice(0, 8);
const basic = (user: string, password = "") => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });

type Created = { id: string; provider: string; name: string; prefix: string; secret: string; webhookUrl: string };

async function createSecret(key: string, name = `Postmark ${uid()}`) {
  const res = await call("/api/v1/emails/provider-secrets", {
    method: "POST",
    key,
    json: { provider: "postmark", name },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

/** What Postmark sends for a webhook URL with credentials: the URL's user and password as HTTP Basic. */
function postmarkAuth(webhookUrl: string) {
  const url = new URL(webhookUrl);
  return basic(decodeURIComponent(url.username), decodeURIComponent(url.password));
}

const hardBounce = (email: string) => ({ RecordType: "Bounce", Type: "HardBounce", Email: email, Inactive: true });
const postmark = (json: unknown, headers: Record<string, string> = {}) =>
  call("/v1/webhooks/postmark", { method: "POST", json, headers });

async function suppressed(email: string) {
  const hash = await addressHash(email);
  return db().select().from(emailSuppressions).where(eq(emailSuppressions.emailHash, hash));
}

describe("provider webhook secrets", () => {
  it("a new secret gives the exact Postmark URL, and a bounce sent through it suppresses the address", async () => {
    const created = await createSecret(await newKey(["emails"]));
    expect(created.secret).toMatch(/^rps_[a-z0-9]{8}_[A-Za-z0-9]{32}$/);
    expect(created.secret.startsWith(created.prefix)).toBe(true);
    expect(created.webhookUrl).toBe(`http://postmark:${created.secret}@127.0.0.1:8787/v1/webhooks/postmark`);

    const to = `pm-${uid()}@example.com`;
    const res = await postmark(hardBounce(to), postmarkAuth(created.webhookUrl));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ suppressed: 1 });
    expect(await suppressed(to)).toEqual([expect.objectContaining({ reason: "bounced" })]);
    // The user name is not part of the credential: only the password is.
    expect((await postmark(hardBounce(to), basic("anyone", created.secret))).status).toBe(200);
  });

  it("is never shown again: the list has no secret, no hash and no URL", async () => {
    const admin = await newKey(["admin"]);
    const created = await createSecret(admin, "Listed");
    const res = await call("/api/v1/emails/provider-secrets", { key: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(created.secret.slice(created.prefix.length + 1));
    const { data } = JSON.parse(text) as { data: Array<Record<string, unknown>> };
    const listed = data.find((s) => s.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      provider: "postmark",
      name: "Listed",
      prefix: created.prefix,
      createdAt: expect.any(Number),
      lastUsedAt: null,
      revokedAt: null,
    });
  });

  it("refuses every API key, even admin, however it is sent", async () => {
    const to = `key-${uid()}@example.com`;
    for (const scopes of [["admin"], ["emails"], ["ingest"]] as const) {
      const key = await newKey([...scopes]);
      for (const headers of [basic(key), basic("postmark", key), { authorization: `Bearer ${key}` }]) {
        const res = await postmark(hardBounce(to), headers);
        expect(res.status, `${scopes[0]} ${headers.authorization.slice(0, 6)}`).toBe(401);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
      }
    }
    expect((await postmark(hardBounce(to))).status).toBe(401);
    expect(await suppressed(to)).toEqual([]);
  });

  it("a revoked secret is refused at once; revoking is idempotent and unknown ids are 404", async () => {
    const admin = await newKey(["admin"]);
    const created = await createSecret(admin);
    const del = () => call(`/api/v1/emails/provider-secrets/${created.id}`, { method: "DELETE", key: admin });
    const first = await del();
    expect(first.status).toBe(200);
    const revoked = (await first.json()) as { revokedAt: number | null };
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    expect(await (await del()).json()).toMatchObject({ revokedAt: revoked.revokedAt });

    const to = `rv-${uid()}@example.com`;
    expect((await postmark(hardBounce(to), postmarkAuth(created.webhookUrl))).status).toBe(401);
    expect(await suppressed(to)).toEqual([]);
    const unknown = await call("/api/v1/emails/provider-secrets/eps_nope", { method: "DELETE", key: admin });
    expect(unknown.status).toBe(404);
  });

  it("bad input is a problem and makes nothing", async () => {
    const admin = await newKey(["admin"]);
    const count = async () =>
      ((await (await call("/api/v1/emails/provider-secrets", { key: admin })).json()) as { data: unknown[] }).data
        .length;
    const before = await count();
    for (const json of [
      { provider: "mailgun", name: "x" },
      { provider: "postmark", name: " " },
      { provider: "postmark" },
    ]) {
      const res = await call("/api/v1/emails/provider-secrets", { method: "POST", key: admin, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await count()).toBe(before);
  });
});
