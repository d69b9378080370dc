import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statusComponentChanges, statusComponents, statusIncidents, webhookEvents } from "../../db/schema/index.ts";
import { insertChunks, runBatch } from "../../worker/lib/db.ts";
import { newId } from "../../worker/lib/ids.ts";
import { call, db, newKey } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

type Incident = {
  id: string;
  status: string;
  impact: string;
  resolvedAt: number | null;
  startedAt: number;
  postmortemBody: string | null;
  components: Array<{ id: string; status: string }>;
  updates: Array<{
    status: string;
    body: string;
    displayAt: number;
    affectedComponents: Array<{ new_status: string }>;
  }>;
};

const statusOf = async (id: string) =>
  (await db().select().from(statusComponents).where(eq(statusComponents.id, id)))[0].status;

describe("status admin: pages, groups, components", () => {
  it("creates a page and refuses a taken slug or a bad one", async () => {
    const { key, slug, page } = await makePage();
    expect(page).toMatchObject({ slug, partialWeight: 0.3 });
    const dup = await call("/api/v1/status/pages", { method: "POST", key, json: { slug, name: "x" } });
    expect(dup.status).toBe(409);
    const bad = await call("/api/v1/status/pages", { method: "POST", key, json: { slug: "Bad Slug!", name: "" } });
    expect(bad.status).toBe(400);
    const errors = ((await bad.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();
    expect(errors).toEqual(["body.name", "body.slug"]);
  });

  it("needs the status scope and 404s unknown ids", async () => {
    expect((await call("/api/v1/status/pages")).status).toBe(401);
    const other = await newKey(["feedback"]);
    expect(
      (await call("/api/v1/status/pages", { method: "POST", key: other, json: { slug: "x", name: "x" } })).status,
    ).toBe(403);
    const key = await newKey(["status"]);
    expect((await call("/api/v1/status/pages/stp_nope/components", { key })).status).toBe(404);
    expect(
      (await call("/api/v1/status/components/cmp_nope", { method: "PATCH", key, json: { status: "major_outage" } }))
        .status,
    ).toBe(404);
  });

  it("records every status change in history and announces it", async () => {
    const { key, components } = await makePage();
    const id = components[0].id;
    const { res, body } = await postJson(`/api/v1/status/components/${id}`, key, { status: "partial_outage" }, "PATCH");
    expect(res.status).toBe(200);
    expect(body.status).toBe("partial_outage");
    const history = await db().select().from(statusComponentChanges).where(eq(statusComponentChanges.componentId, id));
    expect(history.map((h) => h.status)).toEqual(["operational", "partial_outage"]);
    const events = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "component.status_changed"));
    expect(events.some((e) => (e.payload as { componentId: string }).componentId === id)).toBe(true);
  });

  it("deleting a component takes its monitors with it", async () => {
    const { key, page, components } = await makePage();
    const m = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "heartbeat",
      periodSeconds: 60,
    });
    expect(m.res.status).toBe(201);
    expect((await call(`/api/v1/status/components/${components[0].id}`, { method: "DELETE", key })).status).toBe(204);
    const list = (await (await call(`/api/v1/status/pages/${page.id}/monitors`, { key })).json()) as {
      data: unknown[];
    };
    expect(list.data).toEqual([]);
    expect((await call(`/api/v1/status/monitors/${m.body.id}/results`, { key })).status).toBe(404);
  });

  it("refuses a component in another page's group", async () => {
    const a = await makePage();
    const b = await makePage(a.key);
    const res = await call(`/api/v1/status/pages/${a.page.id}/components`, {
      method: "POST",
      key: a.key,
      json: { name: "x", groupId: b.group.id },
    });
    expect(res.status).toBe(400);
  });
});

describe("status admin: incidents", () => {
  it("lists a page of 200 incidents with their components and updates (over D1's 100 bound parameters)", async () => {
    const { key, page, components } = await makePage();
    const created = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "API errors",
      body: "Investigating.",
      components: [{ id: components[0].id, status: "major_outage" }],
    });
    expect(created.res.status).toBe(201);
    // 249 past incidents before it, as an import of a long history leaves them.
    const past = Array.from({ length: 249 }, (_, i) => ({
      id: newId("inc", 1_000_000 + i),
      pageId: page.id,
      kind: "incident" as const,
      name: `Past ${i}`,
      status: "resolved" as const,
      startedAt: 1_000_000 + i,
      resolvedAt: 2_000_000 + i,
    }));
    await runBatch(db(), insertChunks(db(), statusIncidents, past));
    const res = await call(`/api/v1/status/pages/${page.id}/incidents?limit=200`, { key });
    expect(res.status, await res.clone().text()).toBe(200);
    const { data, nextCursor } = (await res.json()) as { data: Incident[]; nextCursor: string | null };
    expect(data).toHaveLength(200);
    expect(nextCursor).not.toBeNull();
    expect(data[0].components).toEqual([expect.objectContaining({ id: components[0].id })]);
    expect(data[0].updates.map((u) => u.body)).toEqual(["Investigating."]);
    expect(data.slice(1).every((i) => i.components.length === 0 && i.updates.length === 0)).toBe(true);
  });

  it("opens, updates, resolves and writes a postmortem; components follow", async () => {
    const { key, page, components } = await makePage();
    const [api, web] = components;
    const created = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "API errors",
      body: "We are investigating elevated errors.",
      components: [{ id: api.id, status: "major_outage" }],
    });
    expect(created.res.status).toBe(201);
    const inc = created.body as unknown as Incident;
    expect(inc).toMatchObject({ status: "investigating", impact: "critical", resolvedAt: null });
    expect(await statusOf(api.id)).toBe("major_outage");
    expect(await statusOf(web.id)).toBe("operational");

    const upd = await postJson(`/api/v1/status/incidents/${inc.id}/updates`, key, {
      status: "identified",
      body: "A bad deploy; rolling back.",
      components: [{ id: api.id, status: "degraded_performance" }],
    });
    expect(upd.res.status).toBe(201);
    expect(await statusOf(api.id)).toBe("degraded_performance");
    const after = upd.body as unknown as Incident;
    expect(after.updates.map((u) => u.status)).toEqual(["identified", "investigating"]);
    expect(after.updates[0].affectedComponents[0].new_status).toBe("degraded_performance");

    const early = await postJson(`/api/v1/status/incidents/${inc.id}/postmortem`, key, { body: "x" }, "PUT");
    expect(early.res.status).toBe(400);

    const resolved = await postJson(`/api/v1/status/incidents/${inc.id}/resolve`, key, {});
    expect(resolved.res.status).toBe(200);
    expect((resolved.body as unknown as Incident).resolvedAt).toBeTypeOf("number");
    expect(await statusOf(api.id)).toBe("operational");
    expect((await postJson(`/api/v1/status/incidents/${inc.id}/resolve`, key, {})).res.status).toBe(409);

    const pm = await postJson(
      `/api/v1/status/incidents/${inc.id}/postmortem`,
      key,
      { body: "Root cause: a typo." },
      "PUT",
    );
    expect((pm.body as unknown as Incident).postmortemBody).toBe("Root cause: a typo.");
    const types = (await db().select().from(webhookEvents)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["incident.created", "incident.updated", "incident.postmortem"]));
  });

  it("resolving one incident leaves a component another open incident still holds", async () => {
    const { key, page, components } = await makePage();
    const [a, b] = components;
    const first = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "First",
      body: "x",
      components: [
        { id: a.id, status: "major_outage" },
        { id: b.id, status: "degraded_performance" },
      ],
    });
    await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Second",
      body: "y",
      components: [{ id: a.id, status: "major_outage" }],
    });
    await postJson(`/api/v1/status/incidents/${first.body.id}/resolve`, key, {});
    expect(await statusOf(a.id)).toBe("major_outage");
    expect(await statusOf(b.id)).toBe("operational");
  });

  it("backdates with displayAt and refuses a maintenance status on an incident", async () => {
    const { key, page } = await makePage();
    const at = "2026-01-02T03:04:05Z";
    const { body } = await postJson(`/api/v1/status/pages/${page.id}/incidents`, key, {
      name: "Earlier",
      impact: "minor",
      body: "Backfilled",
      displayAt: at,
    });
    const inc = body as unknown as Incident;
    expect(inc.startedAt).toBe(Date.parse(at));
    expect(inc.updates[0].displayAt).toBe(Date.parse(at));
    const bad = await postJson(`/api/v1/status/incidents/${inc.id}/updates`, key, { status: "in_progress", body: "x" });
    expect(bad.res.status).toBe(400);
    const rows = await db().select().from(statusIncidents).where(eq(statusIncidents.id, inc.id));
    expect(rows[0].status).toBe("investigating");
  });

  it("refuses components of another page and writes nothing", async () => {
    const a = await makePage();
    const b = await makePage(a.key);
    const before = (await db().select().from(statusIncidents)).length;
    const res = await postJson(`/api/v1/status/pages/${a.page.id}/incidents`, a.key, {
      name: "x",
      body: "y",
      components: [{ id: b.components[0].id, status: "major_outage" }],
    });
    expect(res.res.status).toBe(400);
    expect((await db().select().from(statusIncidents)).length).toBe(before);
    expect(await statusOf(b.components[0].id)).toBe("operational");
  });

  it("schedules maintenance; in_progress puts components under maintenance, completed restores", async () => {
    const { key, page, components } = await makePage();
    const start = Date.now() + 3600_000;
    const { res, body } = await postJson(`/api/v1/status/pages/${page.id}/maintenance`, key, {
      name: "DB upgrade",
      body: "Planned upgrade",
      scheduledFor: start,
      scheduledUntil: start + 3600_000,
      componentIds: [components[0].id],
    });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ kind: "maintenance", status: "scheduled", impact: "none" });
    expect(await statusOf(components[0].id)).toBe("operational");
    await postJson(`/api/v1/status/incidents/${body.id}/updates`, key, { status: "in_progress", body: "Started" });
    expect(await statusOf(components[0].id)).toBe("under_maintenance");
    await postJson(`/api/v1/status/incidents/${body.id}/updates`, key, { status: "completed", body: "Done" });
    expect(await statusOf(components[0].id)).toBe("operational");
    const bad = await postJson(`/api/v1/status/pages/${page.id}/maintenance`, key, {
      name: "x",
      body: "y",
      scheduledFor: start,
      scheduledUntil: start - 1,
    });
    expect(bad.res.status).toBe(400);
  });
});
