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

  it("marks a campaign link whose destination the program no longer allows", async () => {
    const admin = (path: string, method: string, json: unknown) =>
      fetch(`${rapport.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
        body: JSON.stringify(json),
      }).then((r) => r.json() as Promise<{ id: string; code: string }>);
    const program = await admin("/programs", "POST", {
      name: "Hosts moved",
      allowedHosts: ["app.example.com", "www.example.com"],
      defaultDestination: "https://app.example.com/signup",
      rewardPolicy: { referrer: { tiers: [{ minQualified: 1, reward: { kind: "feature", feature: "beta" } }] } },
    });
    const link = await admin(`/programs/${program.id}/links`, "POST", {
      name: "Old site",
      destination: "https://www.example.com/promo",
    });
    await admin(`/programs/${program.id}`, "PATCH", { allowedHosts: ["app.example.com"] });

    const { page, errors } = await signedIn();
    await page.getByRole("link", { name: "Referrals" }).click();
    await page.getByRole("link", { name: "Referrers and links" }).click();
    await page.getByLabel("Program").selectOption({ label: "Hosts moved" });
    const row = page.getByTestId("campaign-links").locator(`tr[data-link="${link.id}"]`);
    await expect
      .poll(() => row.textContent(), { timeout: 20_000 })
      .toMatch(/Destination no longer allowed: sends visitors to the program's default/);
    expect(await row.textContent()).toContain(link.code);
    expect(errors).toEqual([]);
    await page.close();
  });
});
