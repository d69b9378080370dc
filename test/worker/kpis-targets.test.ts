import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { kpiTargets } from "../../db/schema/index.ts";
import { call, db, newKey, problem } from "./helpers.ts";

describe("KPI targets", () => {
  it("refuses a ratio entered as a percentage, next to the field, and writes nothing", async () => {
    const key = await newKey(["kpis"]);
    const quarter = "2031-Q2";
    const put = (json: unknown) => call(`/api/v1/kpis/targets/${quarter}/retention`, { method: "PUT", key, json });
    const body = await problem(
      await put({ startValue: 0.7, target: 85, ownerEmail: "owner@example.com" }),
      400,
      "validation-failed",
    );
    expect(body.errors).toEqual([
      { path: "body.target", message: "85 is not a ratio: enter a number from 0 to 1 (0.25 for 25%)" },
    ]);
    const where = and(eq(kpiTargets.quarter, quarter), eq(kpiTargets.kpi, "retention"));
    expect(await db().select().from(kpiTargets).where(where)).toHaveLength(0);
    expect((await put({ startValue: 0.7, target: 0.85, ownerEmail: "owner@example.com" })).status).toBe(200);
    expect(await db().select().from(kpiTargets).where(where)).toHaveLength(1);
  });
});
