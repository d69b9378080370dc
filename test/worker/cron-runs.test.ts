import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { call, newKey } from "./helpers.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

type CronRun = {
  scheduledAt: number;
  startedAt: number;
  finishedAt: number;
  enqueued: number;
  byKind: Record<string, number>;
  error: string | null;
};

async function tick(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Recorded ticks scheduled before `before`, newest first. */
async function runs(key: string, before: number, limit = 50) {
  const res = await call(`/api/v1/jobs/cron-runs?limit=${limit}&cursor=${before}`, { key });
  expect(res.status).toBe(200);
  return (await res.json()) as { data: CronRun[]; nextCursor: string | null };
}

describe("cron runs", () => {
  it("records each tick once, by its scheduled time, with what it enqueued by kind", async () => {
    const key = await newKey(["read"]);
    const t1 = Date.UTC(2026, 2, 2, 10, 20);
    const t2 = t1 + MINUTE;
    await tick(t1);
    await tick(t1); // the same tick delivered twice is recorded once
    await tick(t2);
    const { data } = await runs(key, t2 + 1);
    expect(data.map((r) => r.scheduledAt)).toEqual([t2, t1]);
    for (const r of data) {
      // Feedback's trending recompute is enqueued on every tick.
      expect(r.byKind["feedback.trending"]).toBe(1);
      expect(r.enqueued).toBe(Object.values(r.byKind).reduce((a, b) => a + b, 0));
      expect(r.error).toBeNull();
      expect(r.finishedAt).toBeGreaterThanOrEqual(r.startedAt);
    }
  });

  it("keeps a week of ticks and pages through them with the cursor", async () => {
    const key = await newKey(["read"]);
    const t0 = Date.UTC(2026, 4, 4, 9, 0);
    for (let i = 0; i < 3; i++) await tick(t0 + i * MINUTE);
    const first = await runs(key, t0 + 3 * MINUTE, 2);
    expect(first.data.map((r) => r.scheduledAt)).toEqual([t0 + 2 * MINUTE, t0 + MINUTE]);
    const rest = await runs(key, Number(first.nextCursor), 2);
    expect(rest.data.map((r) => r.scheduledAt)).toEqual([t0]);

    await tick(t0 + 8 * DAY); // more than CRON_RUN_DAYS later: the old ticks go
    expect((await runs(key, t0 + 3 * MINUTE)).data).toEqual([]);
    expect((await runs(key, t0 + 8 * DAY + 1)).data.map((r) => r.scheduledAt)).toEqual([t0 + 8 * DAY]);
  });

  it("needs a key and refuses a cursor that is not one", async () => {
    expect((await call("/api/v1/jobs/cron-runs")).status).toBe(401);
    const res = await call("/api/v1/jobs/cron-runs?cursor=abc", { key: await newKey(["read"]) });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
