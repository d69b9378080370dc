import { describe, expect, it } from "vitest";
import { consoleBrowser, signIn, watchErrors } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, browser, signedIn } = consoleBrowser();

describe("console", () => {
  it("sends a visitor without a key to sign in, refuses a wrong key, accepts the seeded one", async () => {
    const page = await browser().newPage();
    const errors = watchErrors(page);
    await page.goto(`${rapport.url}/console/health/`);
    await page.waitForURL(/\/console\/sign-in\/$/);

    await signIn(page, rapport.url, "rk_wrong_key");
    await expect.poll(() => page.locator("#error").textContent()).toContain("Refused");
    expect(page.url()).toMatch(/sign-in/);

    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.getByRole("link", { name: "Health" }).click();
    await expect.poll(() => page.getByTestId("health-status").textContent()).toBe("ok");
    expect(await page.locator("#health").textContent()).toContain("0000_core");
    // The console runs under the Worker's CSP without a single violation.
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    await page.close();
  });

  it("creates an API key from Settings, shows it once, and the key works", async () => {
    const { page, errors } = await signedIn();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Name").fill("Browser-made key");
    await page.getByLabel("read").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent()) ?? "";
    expect(key).toMatch(/^rk_[a-z0-9]{8}_/);
    await expect.poll(() => page.locator("#keys").textContent()).toContain("Browser-made key");
    const me = await fetch(`${rapport.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(await me.json()).toMatchObject({ name: "Browser-made key", scopes: ["read"] });
    expect(errors).toEqual([]);
    await page.close();
  });
});
