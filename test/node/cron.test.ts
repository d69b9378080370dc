import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Its own Rapport, started as `npm start` starts it (wrangler dev, cron timer) with cron ticking
// every second instead of every minute, so the test does not wait a real minute.
const EVERY_MS = 1000;
let rapport: LocalRapport;
beforeAll(async () => {
  rapport = await startLocalRapport({}, { cronEveryMs: EVERY_MS });
});
afterAll(async () => {
  await rapport?.stop();
});

type CronRun = { scheduledAt: number; enqueued: number; byKind: Record<string, number>; error: string | null };

describe("local cron", () => {
  it("runs the scheduled handler at each boundary by itself, and each tick is recorded", async () => {
    let data: CronRun[] = [];
    await expect
      .poll(
        async () => {
          const res = await fetch(`${rapport.url}/api/v1/jobs/cron-runs?limit=10`, {
            headers: { authorization: `Bearer ${rapport.key}` },
          });
          data = ((await res.json()) as { data: CronRun[] }).data;
          return data.length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(2);
    for (const run of data) {
      // Scheduled for the boundary itself, as Cloudflare passes the cron's minute.
      expect(run.scheduledAt % EVERY_MS).toBe(0);
      expect(run.error).toBeNull();
      expect(run.byKind["feedback.trending"]).toBe(1);
    }
    // Newest first, one record per tick.
    const times = data.map((r) => r.scheduledAt);
    expect(times).toEqual([...new Set(times)].sort((a, b) => b - a));
  });
});
