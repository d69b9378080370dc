import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmIn, createIngestKey, launchBrowser, settled, signIn, watchErrors } from "../support/browser.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Journey 2 from an empty database: a template and a trigger made in the console, one Segment
// event from the host app, the email in the outbox. Cron ticks every second (npm start: every
// minute); quiet hours are off, so the send does not wait for the morning whatever the hour.
let rapport: LocalRapport;
let browser: Browser;
beforeAll(async () => {
  [rapport, browser] = await Promise.all([
    startLocalRapport({ EMAIL_QUIET_HOURS: "off" }, { empty: true, cronEveryMs: 1000 }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await Promise.all([rapport?.stop(), browser?.close()]);
});

describe("journey: a triggered email", () => {
  it("template and trigger in the console, a Segment event, the email in the outbox", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);

    // An ingest key for the host app, from the settings page.
    const writeKey = await createIngestKey(page, rapport.url);

    // A template: an unknown variable is refused next to the field it is in, in words.
    await page.goto(`${rapport.url}/console/emails/templates/`);
    await expect.poll(() => page.locator("#templates").textContent()).toContain("No templates yet");
    await expect.poll(() => page.locator("#variables").textContent()).toContain("contact.first_name");
    await page.getByLabel("Name", { exact: true }).fill("Welcome");
    await page.getByLabel("Subject", { exact: true }).fill("Welcome, {{ first_name }}");
    await page
      .getByLabel("HTML", { exact: true })
      .fill('<p>Hi {{ contact.first_name }}, <a href="{{ unsubscribe_url }}">unsubscribe</a></p>');
    await page.getByLabel("Text", { exact: true }).fill("Hi {{ contact.first_name }}");
    await page.getByRole("button", { name: "Save template" }).click();
    const subjectError = page.locator("#tpl-subject-error");
    await expect
      .poll(() => subjectError.textContent())
      .toContain("“first_name” is not a variable (did you mean contact.first_name?)");
    expect(await page.getByLabel("Subject", { exact: true }).getAttribute("aria-describedby")).toBe(
      "tpl-subject-error",
    );
    await page.getByLabel("Subject", { exact: true }).fill("Welcome, {{ contact.first_name | default: 'there' }}");
    await page.getByRole("button", { name: "Save template" }).click();
    await expect.poll(() => page.locator("#tpl-result").textContent()).toBe("Saved “Welcome”.");
    expect(await subjectError.count()).toBe(0);
    await page.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => page.locator("#pv-subject").textContent()).toBe("Welcome, Ada");

    // A trigger: only the fields of its kind show; a missing event is explained next to it.
    await page.getByRole("link", { name: "Triggers" }).click();
    await expect.poll(() => page.locator("#triggers").textContent()).toContain("No triggers yet");
    await page.getByLabel("Name", { exact: true }).fill("Welcome on sign-up");
    await page.getByLabel("Topic (consent)").selectOption("product_updates");
    expect(await page.getByLabel("Days without it").isVisible()).toBe(false);
    await page.getByLabel("When", { exact: true }).selectOption("absence");
    expect(await page.getByLabel("Days without it").isVisible()).toBe(true);
    await page.getByLabel("When", { exact: true }).selectOption("event");
    expect(await page.getByLabel("Days without it").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Save trigger" }).click();
    await expect.poll(() => page.locator("#t-event-error").textContent()).toMatch(/^Name the event/);
    await page.getByLabel("Event", { exact: true }).fill("signed_up");
    await page.getByRole("button", { name: "Save trigger" }).click();
    await confirmIn(page, "Save and send");
    await expect.poll(() => page.locator("#editor-result").textContent()).toBe("Saved.");
    await expect.poll(() => page.locator("#triggers").textContent()).toContain("Welcome on sign-up");

    // The host app sends a Segment track call with the ingest key.
    const res = await fetch(`${rapport.url}/v1/track`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${writeKey}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({
        userId: "journey-user-1",
        event: "signed_up",
        context: { traits: { email: "grace@example.com", first_name: "Grace" } },
      }),
    });
    expect(res.status).toBe(200);

    // While the trigger waits for the event to settle: preview for that contact, and a test send.
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByRole("button", { name: "Edit Welcome" }).click();
    await page.getByLabel(/^Preview as/).fill("journey-user-1");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => page.locator("#pv-subject").textContent()).toBe("Welcome, Grace");
    await page.getByLabel("Send a test of the saved template to").fill("me@example.com");
    await page.getByRole("button", { name: "Send test" }).click();
    await confirmIn(page, "Send test");
    await expect.poll(() => page.locator("#ts-result").textContent()).toContain("Test sent to me@example.com");

    // The outbox, newest first: the triggered email is sent, after the test.
    await expect
      .poll(
        async () => {
          await page.goto(`${rapport.url}/console/emails/outbox/`);
          await settled(page);
          return page.locator("#messages tr").allTextContents();
        },
        { timeout: 120_000, interval: 2000 },
      )
      .toEqual([
        expect.stringMatching(/grace@example\.com\s*Welcome, Grace\s*product_updates\s*sent/),
        expect.stringMatching(/me@example\.com\s*\[Test\] Welcome, Grace\s*transactional\s*sent/),
      ]);
    // The browser logs the two refused requests (the unknown variable, the missing event); nothing else.
    expect(errors).toEqual(
      Array(2).fill("Failed to load resource: the server responded with a status of 400 (Bad Request)"),
    );
    await page.close();
  });
});
