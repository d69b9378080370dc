// What the console's status jobs need of the API: who a change would notify, editing monitors,
// monitors and subscribers newest first.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, statusMonitors, statusSubscribers } from "../../db/schema/index.ts";
import { newId } from "../../worker/lib/ids.ts";
import { call, db, problem } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

type Sub = { kind: "email" | "webhook"; components?: string[]; groups?: string[]; confirmed?: boolean; gone?: boolean };

/** Stores subscribers as the subscribe flow leaves them, created one millisecond apart in this order. */
async function addSubscribers(pageId: string, subs: Sub[], t0 = Date.now()) {
  const ids: string[] = [];
  for (const [i, s] of subs.entries()) {
    const at = t0 + i;
    const id = newId("sub", at);
    const contactId = s.kind === "email" ? newId("ct", at) : null;
    if (contactId) {
      await db()
        .insert(contacts)
        .values({ id: contactId, externalId: contactId, email: `${contactId}@example.test` });
    }
    await db()
      .insert(statusSubscribers)
      .values({
        id,
        pageId,
        kind: s.kind,
        contactId,
        url: s.kind === "webhook" ? `https://hooks.example.test/${id}` : null,
        componentIds: s.components ?? [],
        groupIds: s.groups ?? [],
        confirmedAt: s.confirmed === false ? null : at,
        unsubscribedAt: s.gone ? at : null,
        createdAt: at,
      });
    ids.push(id);
  }
  return ids;
}

describe("GET /api/v1/status/pages/:pageId/audience", () => {
  it("counts the confirmed subscribers a change to those components reaches, by kind", async () => {
    const { key, page, group, components } = await makePage();
    const [c0, c1] = components.map((c) => c.id);
    await addSubscribers(page.id, [
      { kind: "email" }, // whole page
      { kind: "email", components: [c0] },
      { kind: "webhook", groups: [group.id] },
      { kind: "email", components: [c1] },
      { kind: "email", confirmed: false }, // not confirmed yet
      { kind: "email", gone: true }, // unsubscribed
    ]);
    const count = async (ids: string[]) => {
      const res = await call(`/api/v1/status/pages/${page.id}/audience?componentIds=${ids.join(",")}`, { key });
      expect(res.status).toBe(200);
      return res.json();
    };
    expect(await count([c0])).toEqual({ email: 2, webhook: 1, total: 3 });
    expect(await count([c0, c1])).toEqual({ email: 3, webhook: 1, total: 4 });
    expect(await count([])).toEqual({ email: 1, webhook: 0, total: 1 });
  });

  it("refuses a component of another page, naming it", async () => {
    const { key, page, components } = await makePage();
    const other = await makePage(key);
    const res = await call(
      `/api/v1/status/pages/${page.id}/audience?componentIds=${components[0].id},${other.components[0].id}`,
      { key },
    );
    const body = await problem(res, 400, "validation-failed");
    expect(body.errors).toEqual([expect.objectContaining({ path: "query.componentIds.1" })]);
    expect((await call("/api/v1/status/pages/stp_nope/audience", { key })).status).toBe(404);
    expect((await call(`/api/v1/status/pages/${page.id}/audience`)).status).toBe(401);
  });
});

describe("PATCH /api/v1/status/monitors/:id", () => {
  const stored = async (id: string) => (await db().select().from(statusMonitors).where(eq(statusMonitors.id, id)))[0];

  it("edits an HTTP monitor's check, which then runs at once", async () => {
    const { key, components } = await makePage();
    const { body: m } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: "https://api.example.test/health",
      intervalMinutes: 5,
    });
    await db().update(statusMonitors).set({ nextRunAt: 9e12 }).where(eq(statusMonitors.id, m.id));
    const before = Date.now();
    const { res, body } = await postJson(
      `/api/v1/status/monitors/${m.id}`,
      key,
      { name: "API health", url: "https://api.example.test/ready", intervalMinutes: 2, keyword: "ok" },
      "PATCH",
    );
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ name: "API health", url: "https://api.example.test/ready", intervalMinutes: 2 });
    expect((await stored(m.id)).nextRunAt).toBeGreaterThanOrEqual(before);
    expect((await stored(m.id)).nextRunAt).toBeLessThan(9e12);
    const cleared = await postJson(`/api/v1/status/monitors/${m.id}`, key, { keyword: null }, "PATCH");
    expect(cleared.body.keyword).toBeNull();
    const paused = await postJson(`/api/v1/status/monitors/${m.id}`, key, { enabled: false }, "PATCH");
    expect(paused.body.enabled).toBe(false);
  });

  it("refuses a private URL, an empty status range and a heartbeat's field, changing nothing", async () => {
    const { key, components } = await makePage();
    const { body: m } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: "https://api.example.test/health",
    });
    const patch = (json: unknown) => call(`/api/v1/status/monitors/${m.id}`, { method: "PATCH", key, json });
    const privateUrl = await problem(await patch({ url: "http://169.254.169.254/latest/" }), 400, "validation-failed");
    expect(privateUrl.errors?.[0].path).toBe("body.url");
    const range = await problem(await patch({ expectedStatusMax: 199 }), 400, "validation-failed");
    expect(range.errors?.[0].path).toBe("body.expectedStatusMax");
    const foreign = await problem(await patch({ periodSeconds: 60 }), 400, "validation-failed");
    expect(foreign.errors).toEqual([{ path: "body.periodSeconds", message: "only heartbeat monitors have it" }]);
    expect(await stored(m.id)).toMatchObject({ url: "https://api.example.test/health", expectedStatusMax: 299 });
  });

  it("gives a heartbeat a new period counted from now, and refuses an HTTP field", async () => {
    const { key, components } = await makePage();
    const { body: m } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "heartbeat",
      periodSeconds: 60,
    });
    const before = Date.now();
    const { res, body } = await postJson(`/api/v1/status/monitors/${m.id}`, key, { periodSeconds: 3600 }, "PATCH");
    expect(res.status).toBe(200);
    expect(body.periodSeconds).toBe(3600);
    expect((await stored(m.id)).nextRunAt).toBeGreaterThanOrEqual(before + 3_600_000);
    const url = await call(`/api/v1/status/monitors/${m.id}`, {
      method: "PATCH",
      key,
      json: { url: "https://x.example.test" },
    });
    expect((await problem(url, 400, "validation-failed")).errors?.[0].path).toBe("body.url");
  });
});

describe("GET /api/v1/status/pages/:pageId/monitors", () => {
  it("lists newest first, a page at a time", async () => {
    const { key, page, components } = await makePage();
    const made: string[] = [];
    for (const name of ["Web", "API", "Cron"]) {
      const { body } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
        kind: "heartbeat",
        name,
        periodSeconds: 300,
      });
      made.push(body.id);
    }
    type Page = { data: Array<{ id: string }>; nextCursor: string | null };
    const first = (await (await call(`/api/v1/status/pages/${page.id}/monitors?limit=2`, { key })).json()) as Page;
    expect(first.data).toHaveLength(2);
    expect(first.nextCursor).toBe(first.data[1].id);
    const rest = (await (
      await call(`/api/v1/status/pages/${page.id}/monitors?limit=2&cursor=${first.nextCursor}`, { key })
    ).json()) as Page;
    expect(rest.nextCursor).toBeNull();
    const ids = [...first.data, ...rest.data].map((m) => m.id);
    expect(ids).toEqual([...made].sort().reverse());
  });
});

describe("GET /api/v1/status/pages/:pageId/components", () => {
  it("lists in display order, a page at a time", async () => {
    const { key, page, components } = await makePage(undefined, { components: 3 });
    // Moved last: display order is by position, not by creation.
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { position: 5 }, "PATCH");
    type Page = { data: Array<{ name: string }>; nextCursor: string | null };
    const first = (await (await call(`/api/v1/status/pages/${page.id}/components?limit=2`, { key })).json()) as Page;
    expect(first.data.map((c) => c.name)).toEqual(["Service 1", "Service 2"]);
    const rest = (await (
      await call(`/api/v1/status/pages/${page.id}/components?limit=2&cursor=${first.nextCursor}`, { key })
    ).json()) as Page;
    expect(rest).toEqual({ data: [expect.objectContaining({ name: "Service 0" })], nextCursor: null });
  });
});

describe("GET /api/v1/status/pages/:pageId/subscribers", () => {
  it("lists newest first, a page at a time", async () => {
    const { key, page } = await makePage();
    const ids = await addSubscribers(page.id, [{ kind: "email" }, { kind: "webhook" }, { kind: "email" }]);
    const list = async (q: string) =>
      (await (await call(`/api/v1/status/pages/${page.id}/subscribers?${q}`, { key })).json()) as {
        data: Array<{ id: string; email: string | null }>;
        nextCursor: string | null;
      };
    const first = await list("limit=2");
    expect(first.data.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect(first.data[0].email).toMatch(/@example\.test$/);
    const second = await list(`limit=2&cursor=${first.nextCursor}`);
    expect(second.data.map((s) => s.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });
});
