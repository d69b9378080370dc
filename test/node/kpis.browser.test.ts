import { describe, expect, it } from "vitest";
import { KPI_IDS } from "../../db/schema/index.ts";
import { quarterOf, quarterRange } from "../../worker/kpis/index.ts";
import { consoleBrowser } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, signedIn } = consoleBrowser();

async function home() {
  const signed = await signedIn();
  await expect.poll(() => signed.page.locator("#summary").textContent()).toContain("Targets:");
  return signed;
}

describe("KPI console", () => {
  it("opens on this quarter's KPIs with the seeded targets, as bullet charts with pacing", async () => {
    const { page, errors } = await home();
    const nps = page.getByTestId("kpi-nps");
    // The seed aims this quarter's NPS target at "at risk", but on a quarter's first days there are
    // no answers yet (no data): the console must show what the API computes for the day it runs.
    const res = await fetch(`${rapport.url}/api/v1/kpis`, { headers: { authorization: `Bearer ${rapport.key}` } });
    const report = (await res.json()) as { kpis: Array<{ kpi: string; pacing: { status: string } | null }> };
    const status = report.kpis.find((k) => k.kpi === "nps")?.pacing?.status;
    const label = { on_track: "On track", at_risk: "At risk", off_track: "Off track", no_data: "No data" }[
      status ?? ""
    ];
    expect(label, `NPS has a target and a status this quarter (got ${status})`).toBeDefined();
    await expect.poll(() => page.getByTestId("status-nps").textContent()).toBe(label);
    expect(await nps.textContent()).toContain("Target");
    expect(await nps.locator("svg.bullet desc").textContent()).toMatch(/Actual .*target/);
    expect(await page.locator("li.kpi").count()).toBe(13);

    // The last quarter shows final outcomes: the seed's targets, aimed from its computed values, are met and missed.
    await page.getByLabel("Quarter", { exact: true }).selectOption({ index: 2 });
    await expect.poll(() => page.locator("#summary").textContent()).toContain("final values");
    const statuses = await page.locator("li.kpi .status").allTextContents();
    expect(statuses).toContain("Met");
    expect(statuses).toContain("Missed");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("changes a target and the KPI's status follows", async () => {
    const { page, errors } = await home();
    await page.getByRole("link", { name: "Set targets" }).click();
    await page.getByLabel("KPI").selectOption("nps");
    await expect.poll(() => page.getByLabel("Target", { exact: true }).inputValue()).not.toBe("");
    // An easy target: anything above -50 is on track.
    await page.getByLabel("Start value").fill("-100");
    await page.getByLabel("Target", { exact: true }).fill("-50");
    await page.getByRole("button", { name: "Save target" }).click();
    await expect.poll(() => page.locator("#target-result").textContent()).toBe("Saved.");
    await expect.poll(() => page.getByTestId("target-nps").textContent()).toContain("On track");

    await page.getByRole("link", { name: "← All KPIs" }).click();
    await expect.poll(() => page.getByTestId("status-nps").textContent()).toBe("On track");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a KPI's formula, inputs, weekly history and past quarters", async () => {
    const { page, errors } = await home();
    await page.getByRole("link", { name: "Net Promoter Score" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Net Promoter Score");
    expect(await page.locator("#formula").textContent()).toContain("promoters");
    await expect.poll(() => page.locator("#inputs").textContent()).toContain("responses");
    expect(await page.locator("#quarters tr").count()).toBe(4);
    expect(await page.locator("svg.line-chart circle").count()).toBeGreaterThan(8);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs the pillar audit and names the lowest pillar as the priority", async () => {
    const { page, errors } = await home();
    await page.goto(`${rapport.url}/console/kpis/audit/`);
    await expect.poll(() => page.locator("#audits tr").count()).toBeGreaterThanOrEqual(4);
    for (const [pillar, score] of [
      ["Community", 4],
      ["Personalisation", 4],
      ["Value exchange", 1],
      ["Feedback loops", 3],
      ["Advocacy", 5],
    ] as const) {
      await page.getByRole("group", { name: pillar }).getByLabel(String(score)).check();
    }
    await page.getByRole("button", { name: "Save audit" }).click();
    await expect.poll(() => page.locator("#audit-result").textContent()).toBe("Saved.");
    await expect.poll(() => page.getByTestId("audit-priority").textContent()).toBe("Value exchange");
    // Beside each pillar, the KPIs that inform it and the score they suggest, next to the one saved.
    const community = page.getByTestId("evidence-community");
    await expect
      .poll(() => community.textContent())
      .toMatch(/^Suggested: (\d\/5|—), scored 4\/5 — Community activity rate: /);
    expect(await community.textContent()).toContain("Engagement score");
    expect(await page.locator("#suggest-h").textContent()).toBe("How the suggested score is computed");
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("KPI history on the demo data", () => {
  it("the seed's latest snapshot of every KPI equals the live computation for that same day", async () => {
    const get = async <T>(path: string) =>
      (await (
        await fetch(`${rapport.url}${path}`, { headers: { authorization: `Bearer ${rapport.key}` } })
      ).json()) as T;
    type Outcome = { asOf: number | null; value: number | null; inputs: Record<string, unknown> | null };
    // Each KPI's last stored day, this quarter's or (on a quarter's first day) the last one's.
    const latest = await Promise.all(
      KPI_IDS.map(async (kpi) => {
        const history = await get<{ quarters: Outcome[] }>(`/api/v1/kpis/${kpi}/history?quarters=2`);
        const last = history.quarters.filter((q) => q.asOf !== null).at(-1);
        return { kpi, day: last?.asOf, value: last?.value, inputs: last?.inputs };
      }),
    );
    // The day is the seed's (its yesterday), read from the data: the check never reads the clock.
    const day = latest[0].day as number;
    expect(latest.map((l) => l.day)).toEqual(KPI_IDS.map(() => day));
    const range = new URLSearchParams({
      from: new Date(quarterRange(quarterOf(day)).from).toISOString(),
      to: new Date(day + 86_400_000).toISOString(),
    });
    const live = await get<{ kpis: Array<{ kpi: string; value: number | null; inputs: Record<string, unknown> }> }>(
      `/api/v1/kpis/range?${range}`,
    );
    expect(latest.filter((l) => l.value !== null).length, "the demo data gives most KPIs a value").toBeGreaterThan(8);
    for (const l of latest) {
      const now = live.kpis.find((k) => k.kpi === l.kpi);
      expect({ kpi: l.kpi, value: now?.value, inputs: now?.inputs }, "live for the day = its snapshot").toEqual({
        kpi: l.kpi,
        value: l.value,
        inputs: l.inputs,
      });
    }
  });
});
