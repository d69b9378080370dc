import { describe, expect, it } from "vitest";
import { confirmIn, consoleBrowser } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, signedIn } = consoleBrowser();

describe("emails console", () => {
  it("lists the seeded triggers with metrics and creates one with a live match count", async () => {
    const { page, errors } = await signedIn();
    await page.getByRole("link", { name: "Emails" }).click();
    await expect.poll(() => page.locator("#triggers").textContent()).toContain("30-day win-back");
    // Seeded history shows in the funnel columns.
    const firstRow = page.locator("#triggers tr").first();
    expect(Number((await firstRow.locator("td").nth(3).textContent())?.replace(/\D/g, ""))).toBeGreaterThan(0);

    await page.getByLabel("Name", { exact: true }).fill("Browser: no workout for 5 days");
    await page.getByLabel("When", { exact: true }).selectOption("absence");
    await page.getByLabel("Event", { exact: true }).fill("workout_logged");
    await page.getByLabel("Days without it").fill("5");
    await expect
      .poll(() => page.getByTestId("match-count").textContent(), { timeout: 10_000 })
      .toMatch(/^[\d,.\s]+ contacts match now$/);
    const all = Number((await page.getByTestId("match-count").textContent())?.replace(/\D/g, ""));
    expect(all).toBeGreaterThan(0);
    // A filter narrows the live count.
    await page.getByLabel("Filter: trait").fill("plan");
    await page.getByLabel("Filter: value").fill("team");
    await expect
      .poll(async () => Number((await page.getByTestId("match-count").textContent())?.replace(/\D/g, "")), {
        timeout: 10_000,
      })
      .toBeLessThan(all);
    await page.getByRole("button", { name: "Save trigger" }).click();
    await confirmIn(page, "Save and send");
    await expect.poll(() => page.locator("#editor-result").textContent()).toBe("Saved.");
    await expect.poll(() => page.locator("#triggers").textContent()).toContain("Browser: no workout for 5 days");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the outbox and a contact's timeline", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/emails/outbox/`);
    await expect.poll(() => page.getByTestId("outbox-counts").textContent()).toContain("sent:");
    await page.getByLabel("State").selectOption("sent");
    // The filtered list has replaced the first one.
    await expect
      .poll(async () => (await page.locator("#messages td:nth-child(5)").allTextContents()).every((t) => t === "sent"))
      .toBe(true);
    await page.getByRole("button", { name: "View" }).first().click();
    await expect.poll(() => page.locator("#message-meta").textContent()).toContain("outbox");

    await page.getByRole("link", { name: "Contacts" }).click();
    // Loaded, script included: a search typed before the page's script runs reloads the page instead.
    await page.waitForURL(/\/emails\/contacts\/$/);
    await page.getByLabel("Email or user id starts with").fill("app-user-00042");
    await page.getByRole("button", { name: "Search" }).click();
    await page
      .locator("#contacts tr", { hasText: "app-user-00042" })
      .getByRole("button", { name: /^Open / })
      .click();
    await expect.poll(() => page.getByTestId("contact-meta").textContent()).toContain("app-user-00042");
    await expect.poll(() => page.getByTestId("timeline").textContent()).toContain("signed_up");
    expect(await page.getByTestId("contact-meta").textContent()).toMatch(/Churn risk\d+%/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("exports a contact and erases it everywhere, showing what the erase did", async () => {
    // A contact of its own (the demo data is shared with other files).
    const user = `gdpr-browser-${crypto.randomUUID().slice(0, 8)}`;
    const res = await fetch(`${rapport.url}/v1/identify`, {
      method: "POST",
      headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: user, traits: { email: `${user}@example.com`, name: "Erin Erase" } }),
    });
    expect(res.status).toBe(200);
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/emails/contacts/`);
    await page.getByLabel("Email or user id starts with").fill(user);
    await page.getByRole("button", { name: "Search" }).click();
    await page
      .locator("#contacts tr", { hasText: user })
      .getByRole("button", { name: /^Open / })
      .click();
    await expect.poll(() => page.getByTestId("contact-meta").textContent()).toContain(user);

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export (GDPR)" }).click();
    expect((await download).suggestedFilename()).toMatch(/^contact-ct_\w+\.json$/);

    await page.getByRole("button", { name: "Erase everywhere…" }).click();
    await confirmIn(page, "Erase contact");
    const report = page.getByTestId("erase-report");
    await expect.poll(() => report.textContent()).toContain("contacts: 1");
    expect(await report.locator("tr", { hasText: "emails" }).textContent()).toContain("suppressedAddresses: 1");
    expect(await report.locator("tr", { hasText: "referrals" }).textContent()).toContain("nothing held");
    // The contact is gone from the list.
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator("#contacts").textContent()).not.toContain(user);
    expect(errors).toEqual([]);
    await page.close();
  });
});
