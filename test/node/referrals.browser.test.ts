import { describe, expect, it } from "vitest";
import { confirmIn, consoleBrowser } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, signedIn } = consoleBrowser();

describe("referrals console", () => {
  it("shows a program's funnel and top referrers, and approves a held reward from the review queue", async () => {
    const { page, errors } = await signedIn();
    await page.getByRole("link", { name: "Referrals" }).click();
    await page.getByLabel("Program").selectOption({ label: "Friends of Acme" });
    await expect
      .poll(() => page.getByTestId("funnel-totals").textContent(), { timeout: 20_000 })
      .toMatch(/Clicks[\d,.\s]+Unique/);
    const totals = (await page.getByTestId("funnel-totals").textContent()) ?? "";
    expect(Number(/Clicks([\d,]+)/.exec(totals)?.[1]?.replace(/,/g, ""))).toBeGreaterThan(1000);
    await expect.poll(() => page.locator("#top tr").count(), { timeout: 20_000 }).toBe(10);
    await expect.poll(() => page.locator("#weeks tr").count(), { timeout: 20_000 }).toBeGreaterThan(10);

    const queue = page.getByTestId("review-queue");
    await expect.poll(() => queue.locator("tr[data-reward]").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const first = queue.locator("tr[data-reward]").first();
    const id = (await first.getAttribute("data-reward")) ?? "";
    await first.getByRole("button", { name: "Approve" }).click();
    await confirmIn(page, "Approve");
    await expect.poll(() => page.locator("#review-result").textContent(), { timeout: 20_000 }).toBe("Approved.");
    await expect.poll(() => queue.locator(`tr[data-reward="${id}"]`).count(), { timeout: 20_000 }).toBe(0);
    const res = await fetch(`${rapport.url}/api/v1/rewards/${id}`, {
      headers: { authorization: `Bearer ${rapport.key}` },
    });
    expect(await res.json()).toMatchObject({ state: "approved" });
    expect(errors).toEqual([]);
    await page.close();
  });
});
