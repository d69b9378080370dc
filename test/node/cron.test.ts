import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn, watchErrors } from "../support/browser.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Its own Rapport, started as `npm start` starts it (wrangler dev, cron timer) with cron ticking
// every second instead of every minute, so the test does not wait a real minute.
const EVERY_MS = 1000;
let rapport: LocalRapport;
let browser: Browser;
beforeAll(async () => {
  [rapport, browser] = await Promise.all([startLocalRapport({}, { cronEveryMs: EVERY_MS }), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([rapport?.stop(), browser?.close()]);
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

describe("the console's health page", () => {
  it("says when cron last ran and what it enqueued, and warns when it has not run for over 3 minutes", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.goto(`${rapport.url}/console/health/`);
    await expect.poll(() => page.getByTestId("cron-status").textContent()).toMatch(/^Cron last ran at .* enqueued/);
    expect(await page.locator("#cron-runs tr").first().textContent()).toContain("feedback.trending 1");

    // The same page seen five minutes later (the browser's clock moved on, cron's record did not).
    const later = await browser.newPage();
    await later.clock.setFixedTime(Date.now() + 5 * 60_000);
    await signIn(later, rapport.url, rapport.key);
    await later.waitForURL(`${rapport.url}/console/`);
    await later.goto(`${rapport.url}/console/health/`);
    await expect
      .poll(() => later.getByTestId("cron-status").textContent())
      .toMatch(/^Cron has not run for [45] minutes/);
    expect(await later.getByTestId("cron-status").getAttribute("class")).toBe("warn");
    expect(errors).toEqual([]);
    await Promise.all([page.close(), later.close()]);
  });
});
