import { describe, expect, it } from "vitest";
import { confirmIn, consoleBrowser, signIn, watchErrors } from "../support/browser.ts";

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
    // Loaded, script included: a form sent before the page's script runs reloads the page instead.
    await page.waitForURL(/\/settings\/$/);
    await page.getByLabel("Name", { exact: true }).fill("Browser-made key");
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

  it("makes an ingest-only key, says it is safe to embed, and marks keys that read data server-side only", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/settings/`);
    await expect.poll(() => page.locator("#keys").textContent()).toContain("server-side only");
    await page.getByLabel("Name", { exact: true }).fill("Web page key");
    await page.getByLabel("ingest").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent()) ?? "";
    expect(await page.locator("#key-result").textContent()).toContain("safe to embed in a web page");
    await expect
      .poll(() => page.getByRole("row", { name: /Web page key/ }).textContent())
      .toContain("safe to embed in a web page");
    // The seeded admin key is the server-side kind.
    const adminRow = page.getByRole("row").filter({ hasText: rapport.key.slice(0, 11) });
    expect(await adminRow.textContent()).toContain("server-side only");

    const track = await fetch(`${rapport.url}/v1/track`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${key}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "browser-web", event: "page_viewed" }),
    });
    expect(track.status).toBe(200);
    const me = await fetch(`${rapport.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(403);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("creates a Postmark webhook secret, shows the URL once with a copy button, and revokes it", async () => {
    const { page, errors } = await signedIn();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: rapport.url });
    await page.goto(`${rapport.url}/console/settings/`);
    await page.getByLabel("Secret name").fill("Postmark from the browser");
    await page.getByRole("button", { name: "Create webhook secret" }).click();
    const shown = (await page.getByTestId("provider-webhook-url").textContent()) ?? "";
    expect(shown).toMatch(/^https?:\/\/postmark:rps_[a-z0-9]{8}_[A-Za-z0-9]{32}@[^/]+\/v1\/webhooks\/postmark$/);
    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(shown);

    const row = page.getByRole("row", { name: /Postmark from the browser/ });
    await expect.poll(() => row.textContent()).toContain("never");
    expect(await page.locator("#provider-secrets").textContent()).not.toContain(new URL(shown).password);

    // What Postmark does with that URL: its credentials as HTTP Basic.
    const url = new URL(shown);
    const bounce = () =>
      fetch(`${rapport.url}${url.pathname}`, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${url.username}:${url.password}`)}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          RecordType: "Bounce",
          Type: "HardBounce",
          Email: "pm-browser@example.com",
          Inactive: true,
        }),
      });
    expect((await bounce()).status).toBe(200);

    await row.getByRole("button", { name: /Revoke/ }).click();
    await confirmIn(page, "Revoke secret");
    await expect.poll(() => row.textContent()).toContain("revoked");
    expect((await bounce()).status).toBe(401);
    expect(errors).toEqual([]);
    await page.close();
  });
});
