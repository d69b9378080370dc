import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduledUrl } from "../../scripts/cron.ts";
import { confirmIn, launchBrowser, signIn, watchErrors } from "../support/browser.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Journey 3, from an empty database (migrations and an admin key only), doing only what a
// marketer does in the console. Cron does not tick by itself here: the test fires the scheduled
// handler once, for a time past the heartbeat's deadline, instead of waiting for it.
let rapport: LocalRapport;
let browser: Browser;
beforeAll(async () => {
  [rapport, browser] = await Promise.all([startLocalRapport({}, { empty: true }), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([rapport?.stop(), browser?.close()]);
});

const publicComponents = async () =>
  (
    (await (await fetch(`${rapport.url}/status/acme/api/v2/components.json`)).json()) as {
      components: Array<{ name: string; status: string }>;
    }
  ).components;

describe("status journey", () => {
  it("creates a page and a component, opens an incident seen on the public page, and a silent heartbeat takes the component down", async () => {
    const context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.goto(`${rapport.url}/console/status/`);

    // No page yet: the form to create one is open. A refused address says why, next to the field.
    await page.locator("#new-name").fill("Acme status");
    await page.getByLabel("Address").fill("Acme Status");
    await page.getByRole("button", { name: "Create page" }).click();
    const slugError = page.locator("#new-slug-error");
    await expect.poll(() => slugError.textContent()).toBe("lowercase letters, digits and inner dashes");
    expect(await page.getByLabel("Address").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Address").getAttribute("aria-describedby")).toContain("new-slug-error");

    await page.getByLabel("Address").fill("acme");
    await page.getByRole("button", { name: "Create page" }).click();
    await expect.poll(() => page.locator("#create-result").textContent()).toContain("Created Acme status");
    expect(await slugError.count()).toBe(0);
    await expect.poll(() => page.locator("#page-select option").allTextContents()).toEqual(["Acme status"]);
    // The first page is the primary one: its major incidents pause marketing email.
    const pauses = page.getByLabel("Pause marketing email during this page’s major incidents");
    await expect.poll(() => pauses.isChecked()).toBe(true);

    // A component, with its description.
    // Each status page has loaded once its script has filled the page select.
    const go = async (name: string) => {
      await page.getByRole("navigation", { name: "Status" }).getByRole("link", { name }).click();
      await expect.poll(() => page.locator("#page-select").inputValue()).not.toBe("");
    };
    await go("Components");
    const componentForm = page.locator("#component-form");
    await componentForm.getByLabel("Name").fill("API");
    await componentForm.getByLabel("Description (optional)").fill("The public REST API");
    await page.getByRole("button", { name: "Save component" }).click();
    await expect.poll(() => page.locator("#component-result").textContent()).toBe("Saved API.");
    await expect.poll(() => page.locator("#components").textContent()).toContain("The public REST API");

    // An incident, published from the composer; nobody is subscribed, and the dialog says so.
    await go("Overview");
    await page.getByLabel("Title").fill("API answers slowly");
    await page.getByLabel("Message").fill("We are looking into slow answers.");
    await page.getByRole("group", { name: "Affected components" }).getByLabel("API").selectOption("partial_outage");
    await page.getByRole("button", { name: "Publish" }).click();
    expect(await page.getByRole("dialog").textContent()).toContain("No subscriber is notified.");
    await confirmIn(page, "Publish");
    await expect.poll(() => page.locator("#c-result").textContent()).toBe("Published.");

    const pub = await browser.newPage({ javaScriptEnabled: false });
    await pub.goto(`${rapport.url}/status/acme`);
    expect(await pub.locator("main").textContent()).toContain("API answers slowly");
    await pub.close();
    expect((await publicComponents()).find((c) => c.name === "API")?.status).toBe("partial_outage");

    // A heartbeat monitor: its URL is shown once, with a copy button.
    await go("Monitors");
    await page.getByLabel("Kind").selectOption("heartbeat");
    await page.getByLabel("Expect a beat every (seconds)").fill("60");
    await page.getByRole("button", { name: "Save monitor" }).click();
    const heartbeatUrl = page.locator("#heartbeat-url");
    await expect.poll(() => heartbeatUrl.textContent()).toContain("/status/heartbeat/");
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(await heartbeatUrl.textContent());
    const state = page.locator("#monitors [data-state]");
    await expect.poll(() => state.textContent()).toBe("Waiting for the first beat");

    // One beat, then silence past the deadline: cron, fired for two minutes from now, finds it missed.
    // (The URL is made from PUBLIC_URL, which names another port than this test's Rapport.)
    const beat = new URL(String(await heartbeatUrl.textContent())).pathname;
    expect((await fetch(`${rapport.url}${beat}`, { method: "POST" })).status).toBe(200);
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => state.textContent()).toBe("Up");
    expect((await fetch(scheduledUrl(rapport.url, "* * * * *", Date.now() + 120_000))).ok).toBe(true);
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return state.textContent();
        },
        { timeout: 20_000 },
      )
      .toBe("Down");
    expect((await publicComponents()).find((c) => c.name === "API")?.status).toBe("major_outage");

    // That outage on the primary page paused marketing email: every console page says so, and it can be resumed.
    await page.goto(`${rapport.url}/console/health/`);
    const banner = page.getByRole("region", { name: "Marketing email paused" });
    await expect.poll(() => banner.textContent()).toContain("“API is not responding” on Acme status");
    expect(await page.getByTestId("pause-state").textContent()).toContain("Marketing email is paused since");
    await banner.getByRole("button", { name: "Resume marketing" }).click();
    await confirmIn(page, "Resume marketing");
    await expect.poll(() => banner.textContent()).toContain("Marketing email resumed.");
    await expect.poll(() => page.getByTestId("pause-state").textContent()).toContain("The last pause ended");
    await page.reload();
    await expect.poll(() => page.getByTestId("pause-state").textContent()).toContain("The last pause ended");
    expect(await banner.isHidden()).toBe(true);
    // The refused address's 400 is logged by the browser; nothing else may be.
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
    await context.close();
  });
});
