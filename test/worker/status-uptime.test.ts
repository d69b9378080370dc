import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statusComponentChanges } from "../../db/schema/index.ts";
import { pageStatus } from "../../worker/status/statuspage.ts";
import type { IncidentView } from "../../worker/status/types.ts";
import { DAY_MS, uptimeDays } from "../../worker/status/uptime.ts";
import { call, db } from "./helpers.ts";
import { makePage, postJson } from "./status-support.ts";

const day0 = Date.UTC(2026, 10, 1);

describe("uptime from status history", () => {
  it("counts major outage as down, partial at its weight, degraded as up, maintenance not at all", () => {
    const now = day0 + 3 * DAY_MS - 1; // the window is Nov 1 to Nov 3
    const changes = [
      { status: "operational" as const, at: day0 - 10 * DAY_MS },
      { status: "major_outage" as const, at: day0 + 60 * 60_000 }, // 60 min down on day 1
      { status: "operational" as const, at: day0 + 120 * 60_000 },
      { status: "partial_outage" as const, at: day0 + DAY_MS }, // 100 min partial on day 2
      { status: "degraded_performance" as const, at: day0 + DAY_MS + 100 * 60_000 },
      { status: "under_maintenance" as const, at: day0 + DAY_MS + 200 * 60_000 },
      { status: "operational" as const, at: day0 + DAY_MS + 240 * 60_000 },
    ];
    const u = uptimeDays(changes, { now, days: 3, partialWeight: 0.3 });
    const [d1, d2] = u.days;
    expect(d1.date).toBe("2026-11-01");
    expect(d1.minutes).toMatchObject({ major_outage: 60, operational: 1380 });
    expect(d1.uptime).toBeCloseTo((1440 - 60) / 1440, 6);
    expect(d2.minutes).toMatchObject({ partial_outage: 100, degraded_performance: 100, under_maintenance: 40 });
    expect(d2.uptime).toBeCloseTo((1400 - 0.3 * 100) / 1400, 3);
  });

  it("has no data before the first change or after now", () => {
    const u = uptimeDays([{ status: "major_outage", at: day0 + DAY_MS / 2 }], {
      now: day0 + DAY_MS - 60_000,
      days: 2,
      partialWeight: 0.3,
    });
    expect(u.days[0].uptime).toBeNull();
    expect(u.days[1].minutes.major_outage).toBe(719);
    expect(u.days[0].date).toBe("2026-10-31");
    expect(u.uptime).toBe(0);
  });
});

describe("Statuspage indicator", () => {
  const incident = (impact: string) => ({ kind: "incident", impact }) as IncidentView;
  it("follows the worst of components and unresolved incidents", () => {
    expect(pageStatus([{ status: "operational" }], [])).toEqual({
      indicator: "none",
      description: "All Systems Operational",
    });
    expect(pageStatus([{ status: "degraded_performance" }, { status: "operational" }], []).indicator).toBe("minor");
    expect(pageStatus([{ status: "major_outage" }, { status: "operational" }], []).indicator).toBe("major");
    expect(pageStatus([{ status: "major_outage" }], []).indicator).toBe("critical");
    expect(pageStatus([{ status: "operational" }], [incident("critical")]).indicator).toBe("critical");
    expect(pageStatus([{ status: "under_maintenance" }], []).indicator).toBe("maintenance");
    expect(pageStatus([{ status: "under_maintenance" }], [incident("minor")]).indicator).toBe("minor");
  });
});

describe("uptime.json", () => {
  it("reports the minutes of status changes made through the API", async () => {
    const { key, slug, components } = await makePage();
    const [api, web] = components;
    const patch = (id: string, status: string) => postJson(`/api/v1/status/components/${id}`, key, { status }, "PATCH");
    await patch(api.id, "major_outage");
    await patch(api.id, "operational");
    await patch(web.id, "partial_outage");
    // The changes happened seconds apart; spread them over the last hours so they have minutes.
    const now = Date.now();
    const HOUR = 3_600_000;
    const spread = async (id: string, statuses: string[], hoursAgo: number[]) => {
      const rows = await db()
        .select()
        .from(statusComponentChanges)
        .where(eq(statusComponentChanges.componentId, id))
        .orderBy(asc(statusComponentChanges.at), asc(statusComponentChanges.id));
      expect(rows.map((r) => r.status)).toEqual(statuses);
      for (const [i, r] of rows.entries()) {
        await db()
          .update(statusComponentChanges)
          .set({ at: now - hoursAgo[i] * HOUR })
          .where(eq(statusComponentChanges.id, r.id));
      }
    };
    await spread(api.id, ["operational", "major_outage", "operational"], [6, 3, 2]);
    await spread(web.id, ["operational", "partial_outage"], [6, 1]);

    const res = await call(`/status/${slug}/api/v2/uptime.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      uptime: {
        weights: { partial_outage: number };
        components: Array<{ id: string; uptime: number; days: Array<{ minutes: Record<string, number> }> }>;
      };
    };
    const total = (id: string, status: string) =>
      (body.uptime.components.find((c) => c.id === id)?.days ?? []).reduce((n, d) => n + (d.minutes[status] ?? 0), 0);
    // However the hours fall across UTC days, the minutes add up to what happened.
    expect(total(api.id, "major_outage")).toBe(60);
    expect(total(api.id, "partial_outage")).toBe(0);
    expect(total(api.id, "operational")).toBeGreaterThanOrEqual(300);
    expect(total(api.id, "operational")).toBeLessThanOrEqual(301);
    expect(total(web.id, "partial_outage")).toBeGreaterThanOrEqual(60);
    expect(total(web.id, "partial_outage")).toBeLessThanOrEqual(61);
    expect(total(web.id, "major_outage")).toBe(0);
    // An hour of major outage in six: 5/6 up. Partial outage counts at the page's weight.
    const uptimeOf = (id: string) => body.uptime.components.find((c) => c.id === id)?.uptime ?? NaN;
    expect(uptimeOf(api.id)).toBeCloseTo(5 / 6, 2);
    expect(uptimeOf(web.id)).toBeCloseTo(1 - body.uptime.weights.partial_outage / 6, 2);
  });
});
