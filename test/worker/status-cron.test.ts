import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  statusComponents,
  statusIncidents,
  statusIncidentUpdates,
  statusMonitorResults,
  statusMonitors,
} from "../../db/schema/index.ts";
import worker from "../../worker/index.ts";
import { runCheck } from "../../worker/status/check.ts";
import { transitionMaintenance } from "../../worker/status/incidents.ts";
import { dueMaintenance, statusCron } from "../../worker/status/jobs.ts";
import type { Monitor } from "../../worker/status/types.ts";
import { call, db, eventually } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

const statusOf = async (id: string) =>
  (await db().select().from(statusComponents).where(eq(statusComponents.id, id)))[0].status;
const monitor = async (id: string) => (await db().select().from(statusMonitors).where(eq(statusMonitors.id, id)))[0];

let seq = 0;
async function deliver(body: Record<string, unknown>) {
  const batch = createMessageBatch("rapport-jobs", [{ id: `m${++seq}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function runMonitorOnce(id: string) {
  const m = await monitor(id);
  await deliver({ kind: "status.monitors.run", runs: [{ id, runAt: m.nextRunAt }] });
  return m.nextRunAt;
}

describe("maintenance windows (cron)", () => {
  it("start and complete on their own, once", async () => {
    const { key, page, components } = await makePage();
    const now = Date.now();
    const { body } = await postJson(`/api/v1/status/pages/${page.id}/maintenance`, key, {
      name: "Window",
      body: "Planned",
      scheduledFor: now - 1000,
      scheduledUntil: now + 60_000,
      componentIds: [components[0].id],
    });
    const due = await dueMaintenance(db(), Date.now());
    expect(due).toContainEqual({ kind: "status.maintenance.transition", id: body.id, to: "in_progress" });
    const msg = { kind: "status.maintenance.transition", id: body.id, to: "in_progress" };
    await deliver(msg);
    await deliver(msg); // a second delivery changes nothing
    expect(await statusOf(components[0].id)).toBe("under_maintenance");
    const updates = await db()
      .select()
      .from(statusIncidentUpdates)
      .where(eq(statusIncidentUpdates.incidentId, body.id));
    expect(updates.map((u) => u.status).sort()).toEqual(["in_progress", "scheduled"]);
    expect(await dueMaintenance(db(), Date.now())).not.toContainEqual(expect.objectContaining({ id: body.id }));

    const later = now + 120_000;
    expect(await dueMaintenance(db(), later)).toContainEqual({
      kind: "status.maintenance.transition",
      id: body.id,
      to: "completed",
    });
    expect(await transitionMaintenance(env, db(), body.id, "completed", later)).toBe("moved");
    expect(await transitionMaintenance(env, db(), body.id, "completed", later)).toBe("stale");
    expect(await statusOf(components[0].id)).toBe("operational");
  });
});

describe("HTTP monitors", () => {
  it("open an incident after the failure threshold and resolve it on recovery", async () => {
    const { key, slug, components } = await makePage();
    const { res, body } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: `${env.RECEIVER_URL}/status/503/health`,
      failureThreshold: 2,
      failureStatus: "partial_outage",
    });
    expect(res.status).toBe(201);
    const first = await runMonitorOnce(body.id);
    await deliver({ kind: "status.monitors.run", runs: [{ id: body.id, runAt: first }] }); // duplicate
    let m = await monitor(body.id);
    expect(m.consecutiveFailures).toBe(1);
    expect(m.openIncidentId).toBeNull();
    expect(await statusOf(components[0].id)).toBe("operational");

    await runMonitorOnce(body.id);
    m = await monitor(body.id);
    expect(m.consecutiveFailures).toBe(2);
    expect(m.openIncidentId).toBeTruthy();
    expect(await statusOf(components[0].id)).toBe("partial_outage");
    const summary = (await (await call(`/status/${slug}/api/v2/summary.json`)).json()) as {
      incidents: Array<{ name: string; incident_updates: Array<{ body: string }> }>;
    };
    expect(summary.incidents[0].incident_updates[0].body).toContain("HTTP 503");

    await db()
      .update(statusMonitors)
      .set({ url: `${env.RECEIVER_URL}/status/200/health`, keyword: "status 200" })
      .where(eq(statusMonitors.id, body.id));
    await runMonitorOnce(body.id);
    m = await monitor(body.id);
    expect(m.openIncidentId).toBeNull();
    expect(await statusOf(components[0].id)).toBe("operational");
    const [inc] = await db().select().from(statusIncidents).where(eq(statusIncidents.monitorId, body.id));
    expect(inc.status).toBe("resolved");

    const results = (await (await call(`/api/v1/status/monitors/${body.id}/results`, { key })).json()) as {
      data: Array<{ ok: boolean; statusCode: number; responseMs: number }>;
    };
    expect(results.data.map((r) => r.ok)).toEqual([true, false, false]);
    expect(results.data[0].statusCode).toBe(200);
    expect(results.data[0].responseMs).toBeGreaterThanOrEqual(0);
  });

  it("do not open an incident while the component is under maintenance", async () => {
    const { key, components } = await makePage();
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "under_maintenance" }, "PATCH");
    const { body } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: `${env.RECEIVER_URL}/status/500/maint`,
      failureThreshold: 1,
    });
    await runMonitorOnce(body.id);
    expect((await monitor(body.id)).openIncidentId).toBeNull();
    expect(await statusOf(components[0].id)).toBe("under_maintenance");
    await postJson(`/api/v1/status/components/${components[0].id}`, key, { status: "operational" }, "PATCH");
    await runMonitorOnce(body.id);
    expect((await monitor(body.id)).openIncidentId).toBeTruthy();
    expect(await statusOf(components[0].id)).toBe("major_outage");
  });

  it("fails on a missing keyword and refuses private URLs unless allowed", async () => {
    const base = {
      method: "GET",
      expectedStatusMin: 200,
      expectedStatusMax: 299,
      timeoutMs: 5000,
    } as Monitor;
    const missing = await runCheck({ ...base, url: `${env.RECEIVER_URL}/status/200/x`, keyword: "absent" }, env);
    expect(missing).toMatchObject({ ok: false, statusCode: 200, error: "keyword not found" });
    const refused = await runCheck(
      { ...base, url: "http://127.0.0.1:9/", keyword: null },
      { ALLOW_PRIVATE_URLS: "false" },
    );
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/refused/);
    expect(refused.statusCode).toBeNull();
  });

  it("follows redirects only to allowed destinations: one to a metadata address is a refused run", async () => {
    const { key, components } = await makePage();
    const monitorTo = async (to: string) => {
      const { body } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
        kind: "http",
        url: `${env.RECEIVER_URL}/redirect/${crypto.randomUUID()}?to=${encodeURIComponent(to)}`,
        timeoutMs: 2000,
      });
      const runAt = await runMonitorOnce(body.id);
      const [result] = await db()
        .select()
        .from(statusMonitorResults)
        .where(eq(statusMonitorResults.monitorId, body.id));
      expect(result.runAt).toBe(runAt);
      return result;
    };
    const target = `/status/204/${crypto.randomUUID()}`;
    expect(await monitorTo(`${env.RECEIVER_URL}${target}`)).toMatchObject({ ok: true, statusCode: 204, error: null });
    const reached = (await (await fetch(`${env.RECEIVER_URL}/__received?path=${target}`)).json()) as unknown[];
    expect(reached).toHaveLength(1);

    const refused = await monitorTo("http://169.254.169.254/latest/meta-data/");
    expect(refused).toMatchObject({ ok: false, statusCode: null });
    expect(refused.error).toBe(
      "refused: redirect to http://169.254.169.254/latest/meta-data/: points at a link-local or cloud metadata address",
    );
  });

  it("cron enqueues due monitors and the queue records their results", async () => {
    const { key, components } = await makePage();
    const { body } = await postJson(`/api/v1/status/components/${components[1].id}/monitors`, key, {
      kind: "http",
      url: `${env.RECEIVER_URL}/status/204/cron`,
    });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    const rows = await eventually(async () => {
      const r = await db().select().from(statusMonitorResults).where(eq(statusMonitorResults.monitorId, body.id));
      return r.length ? r : undefined;
    });
    expect(rows[0]).toMatchObject({ ok: true, statusCode: 204 });
  });

  it("validates monitor input", async () => {
    const { key, components } = await makePage();
    const bad = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: "ftp://example.com",
      expectedStatusMin: 300,
      expectedStatusMax: 200,
    });
    expect(bad.res.status).toBe(400);
    const empty = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "http",
      url: "https://example.com",
      expectedStatusMin: 300,
      expectedStatusMax: 200,
    });
    expect(empty.res.status).toBe(400);
  });
});

describe("heartbeat monitors", () => {
  it("mark the component down when beats stop and recover on the next beat", async () => {
    const { key, components } = await makePage();
    const { body } = await postJson(`/api/v1/status/components/${components[0].id}/monitors`, key, {
      kind: "heartbeat",
      periodSeconds: 60,
    });
    const url = new URL(String(body.heartbeatUrl));
    expect((await call(url.pathname, { method: "POST" })).status).toBe(200);
    expect((await call("/status/heartbeat/not-a-real-token-000")).status).toBe(404);

    // Silence: the deadline passes.
    await db()
      .update(statusMonitors)
      .set({ nextRunAt: Date.now() - 1 })
      .where(eq(statusMonitors.id, body.id));
    const messages = (await Promise.all(statusCron.map((t) => t(env, Date.now())))).flat();
    const missed = messages.find((m) => m.kind === "status.heartbeat.missed" && m.id === body.id);
    expect(missed).toBeTruthy();
    await deliver(missed as Record<string, unknown>);
    await deliver(missed as Record<string, unknown>);
    expect(await statusOf(components[0].id)).toBe("major_outage");
    expect(await db().select().from(statusIncidents).where(eq(statusIncidents.monitorId, body.id))).toHaveLength(1);

    expect((await call(url.pathname)).status).toBe(200);
    expect(await statusOf(components[0].id)).toBe("operational");
    expect((await monitor(body.id)).openIncidentId).toBeNull();
  });
});
