import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { renderSVG } from "uqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmIn, launchBrowser, settled, signIn, watchErrors } from "../support/browser.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Journey 1, from an empty database: what a marketer does in the console, and what the host app sends.
let rapport: LocalRapport;
let browser: Browser;
beforeAll(async () => {
  [rapport, browser] = await Promise.all([startLocalRapport({}, { empty: true }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await rapport?.stop();
});

const CHROME_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

describe("referrals journey", () => {
  it("creates a program and a referrer, follows the link, converts, and pays the rewards", async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.getByRole("link", { name: "Referrals" }).click();
    await page.getByRole("link", { name: "create your first program" }).click();

    // The program, with its policy read back as a sentence while the form changes.
    await page.getByLabel("Name", { exact: true }).fill("Friends of Acme");
    await page.getByLabel("Allowed hosts").fill("app.example.com");
    await page.getByLabel("Default destination").fill("https://elsewhere.example.net/signup");
    await page.getByLabel("Hold period (days)").fill("0");
    await page.getByLabel("Rewards per referrer per month").fill("5");
    await expect
      .poll(() => page.getByTestId("policy-sentence").textContent())
      .toBe(
        "Share your link: when someone you refer signs up within 90 days of clicking it, you get a $20.00 credit. " +
          "They get 20% off. Rewards are granted as soon as the referral counts. You can earn up to 5 rewards a month.",
      );

    // Refused by the API: the message stands next to the field, in words.
    await page.getByRole("button", { name: "Create program" }).click();
    const destinationError = page.locator("#destination-error");
    await expect
      .poll(() => destinationError.textContent())
      .toBe("Must be an https URL on one of the allowed hosts (app.example.com).");
    expect(await page.getByLabel("Default destination").getAttribute("aria-invalid")).toBe("true");
    // Refused before sending: an empty name.
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByRole("button", { name: "Create program" }).click();
    expect(await page.locator("#name-error").textContent()).toBe("Give the program a name.");
    await page.getByLabel("Name", { exact: true }).fill("Friends of Acme");

    await page.getByLabel("Default destination").fill("https://app.example.com/signup");
    await page.getByRole("button", { name: "Create program" }).click();
    // Saved, the editor edits it: a change is saved in place.
    await page.getByLabel("Rewards per referrer per month").fill("10");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator("#program-saved").textContent()).toMatch(/^Saved\./);
    const programId = new URL(page.url()).searchParams.get("id");
    const saved = await fetch(`${rapport.url}/api/v1/programs/${programId}`, {
      headers: { authorization: `Bearer ${rapport.key}` },
    }).then((r) => r.json() as Promise<{ name: string; rewardPolicy: { monthlyCap: number; holdDays: number } }>);
    expect(saved).toMatchObject({ name: "Friends of Acme", rewardPolicy: { monthlyCap: 10, holdDays: 0 } });
    await page.getByRole("link", { name: "Enrol referrers and make links" }).click();

    // A referrer, enrolled in the console.
    await page.getByLabel("Customer id").fill("ada-1");
    await page.getByLabel("Email (optional)").fill("ada@example.com");
    await page.getByLabel("Name (optional)").fill("Ada Lovelace");
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    const link = (await page.getByTestId("new-referral-link").getAttribute("href")) ?? "";
    const path = new URL(link).pathname; // the link is on PUBLIC_URL; this Rapport listens on another port
    expect(path).toMatch(/^\/r\/[A-Z0-9-]+$/);
    await expect.poll(() => page.getByTestId("referrers").textContent()).toContain("Ada Lovelace");

    // Many at once from a CSV: each line says how it went.
    await page.getByLabel("CSV file").setInputFiles({
      name: "referrers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from('id,email,name\r\ngrace-3,grace@example.com,"Hopper, Grace"\r\nlin-4,not-an-email,Lin\r\n'),
    });
    await page.getByRole("button", { name: "Enrol everyone" }).click();
    await expect.poll(() => page.locator("#csv-summary").textContent()).toBe("1 of 2 enrolled.");
    const lines = page.getByTestId("csv-results").locator("tr");
    expect(await lines.nth(0).textContent()).toMatch(/^2grace-3Enrolled: http/);
    expect(await lines.nth(1).textContent()).toBe("3lin-4email: Must be an email address.");

    // A campaign link with UTM parameters, and its QR code made in the browser.
    await page.getByLabel("Name", { exact: true }).fill("Spring newsletter");
    await page.getByLabel("Destination", { exact: true }).fill("/pricing");
    await page.getByLabel("Source").fill("newsletter");
    await page.getByLabel("Medium").fill("email");
    expect(await page.getByTestId("utm-preview").textContent()).toBe(
      "https://app.example.com/pricing?utm_source=newsletter&utm_medium=email",
    );
    await page.getByRole("button", { name: "Create link" }).click();
    const linkRow = page.getByTestId("campaign-links").locator("tr[data-link]");
    await expect.poll(() => linkRow.textContent()).toContain("Spring newsletter");
    const campaignUrl = (await linkRow.getAttribute("data-url")) ?? "";
    await linkRow.getByRole("button", { name: /^QR code for/ }).click();
    const svgFile = page.waitForEvent("download");
    await page.getByRole("dialog").getByRole("button", { name: "Download SVG" }).click();
    expect(await readFile((await (await svgFile).path()) ?? "", "utf8")).toBe(
      renderSVG(campaignUrl, { ecc: "M", border: 2 }),
    );
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();

    // A friend opens it: Rapport redirects to the program's destination with the click id.
    const visit = await fetch(rapport.url + path, { redirect: "manual", headers: { "user-agent": CHROME_UA } });
    expect(visit.status).toBe(302);
    const location = new URL(visit.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("https://app.example.com/signup");
    const clickId = location.searchParams.get("rapport_click");
    expect(clickId).toBeTruthy();

    // The friend signs up; the host app's backend reports it with a server key of its own.
    const server = await fetch(`${rapport.url}/api/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "host app", scopes: ["referrals"] }),
    }).then((r) => r.json() as Promise<{ key: string }>);
    const conversion = await fetch(`${rapport.url}/api/v1/conversions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${server.key}`,
        "content-type": "application/json",
        "idempotency-key": "signup-bob-2",
      },
      body: JSON.stringify({
        event: "signup",
        customer: { id: "bob-2", email: "bob@example.org", name: "Bob" },
        clickId,
        occurredAt: new Date().toISOString(),
      }),
    });
    expect(conversion.status).toBe(201);

    // Both rewards are approved (no hold); the marketer marks them paid, in bulk.
    await page.getByRole("link", { name: "Overview and rewards" }).click();
    const approved = page.getByTestId("approved-rewards");
    await expect.poll(() => approved.locator("tr[data-approved]").count()).toBe(2);
    expect(await approved.textContent()).toContain("$20.00 credit");
    expect(await approved.textContent()).toContain("Ada Lovelace");
    const csv = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download payout CSV" }).click();
    const owed = await readFile((await (await csv).path()) ?? "", "utf8");
    expect(owed).toContain("ada@example.com,Ada Lovelace,credit,20.00,2000,USD");

    await page.getByLabel("Select every approved reward shown").check();
    await page.getByRole("button", { name: "Mark 2 paid" }).click();
    await confirmIn(page, "Mark paid");
    await expect.poll(() => page.locator("#pay-result").textContent()).toBe("2 marked paid.");
    await expect.poll(() => approved.textContent()).toContain("No approved rewards waiting to be paid.");
    const rewards = await fetch(`${rapport.url}/api/v1/rewards?state=paid`, {
      headers: { authorization: `Bearer ${rapport.key}` },
    }).then((r) => r.json() as Promise<{ data: Array<{ side: string; recipient: { externalId: string } }> }>);
    expect(rewards.data.map((r) => `${r.side}:${r.recipient.externalId}`).sort()).toEqual([
      "referee:bob-2",
      "referrer:ada-1",
    ]);
    await settled(page);
    // The two refused requests (the program, the CSV's bad line) are the browser's only complaints.
    expect(errors).toEqual(
      Array(2).fill("Failed to load resource: the server responded with a status of 400 (Bad Request)"),
    );
    await page.close();
  });
});
