import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmIn, createIngestKey, launchBrowser, settled, signIn, watchErrors } from "../support/browser.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// Journeys 4 and 5 from an empty database, on one Rapport: an NPS survey sent to a segment and
// answered through its emailed link; then a quarterly target for NPS and its card's status.
// Quiet hours are off, so the survey email leaves whatever the hour.
let rapport: LocalRapport;
let browser: Browser;
beforeAll(async () => {
  [rapport, browser] = await Promise.all([
    startLocalRapport({ EMAIL_QUIET_HOURS: "off" }, { empty: true }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await Promise.all([rapport?.stop(), browser?.close()]);
});

const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${rapport.url}${path}`, { headers: { authorization: `Bearer ${rapport.key}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

describe("journeys: an NPS survey, then a KPI target", () => {
  it("sends a survey to a segment, answers it from the email, sets a target and sees the card's status", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);

    // The host app names three people: two on the pro plan, one of them without marketing consent.
    const writeKey = await createIngestKey(page, rapport.url);
    const person = (userId: string, plan: string, marketing: boolean) => ({
      type: "identify",
      userId,
      traits: { email: `${userId}@example.com`, first_name: userId, plan },
      context: { consent: { categoryPreferences: { marketing } } },
    });
    const res = await fetch(`${rapport.url}/v1/batch`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${writeKey}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({
        batch: [person("ada", "pro", true), person("bob", "free", true), person("cy", "pro", false)],
      }),
    });
    expect(res.status).toBe(200);

    // Journey 4: a survey, sent to the pro plan; the count is shown before anything is sent.
    await page.goto(`${rapport.url}/console/kpis/nps/`);
    await expect.poll(() => page.locator("#surveys").textContent()).toContain("No surveys yet");
    await page.getByLabel("New survey name").fill("Q4 pulse");
    await page.getByRole("button", { name: "Create survey" }).click();
    await expect.poll(() => page.locator("#surveys").textContent()).toContain("Q4 pulse");
    // Its promoters are invited to a referral program (made through the API: it is not this page's).
    const program = await fetch(`${rapport.url}/api/v1/programs`, {
      method: "POST",
      headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "Friends",
        allowedHosts: ["app.example.com"],
        defaultDestination: "https://app.example.com/signup",
        rewardPolicy: {
          referrer: {
            tiers: [{ minQualified: 1, label: "Starter", reward: { kind: "credit", amount: 1000, currency: "USD" } }],
          },
          referee: null,
        },
      }),
    });
    expect(program.status, await program.clone().text()).toBe(201);
    await page.reload();
    await settled(page);
    await page.getByLabel("Invite promoters to").selectOption({ label: "Friends" });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => page.locator("#loop-result").textContent())
      .toBe("Saved: promoters are invited to Friends.");
    // A refused segment: the number of days is explained next to its field.
    await page.getByLabel("To", { exact: true }).selectOption("event");
    await page.getByLabel("Event", { exact: true }).fill("order_completed");
    await page.getByLabel("In the last (days)").fill("0");
    await page.getByRole("button", { name: "Send survey…" }).click();
    await expect.poll(() => page.locator("#send-days-error").textContent()).toBe("Days: a whole number from 1 to 365");
    expect(await page.getByLabel("In the last (days)").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("To", { exact: true }).selectOption("trait");
    await page.getByLabel("Trait", { exact: true }).fill("plan");
    await page.getByLabel("Equals").fill("pro");
    await page.getByRole("button", { name: "Send survey…" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByRole("heading").textContent()).toBe("Email “Q4 pulse” to 1 contact?");
    await confirmIn(page, "Send to 1 contact");
    await expect.poll(() => page.locator("#send-result").textContent()).toBe("Sent to 1 contact.");
    expect(await page.locator("#send-days-error").count()).toBe(0);

    // Ada's email, as the outbox provider stored it: the score-9 link of its text.
    type Messages = { data: Array<{ id: string; toAddress: string | null; state: string }> };
    const outbox = async () => (await api<Messages>("/api/v1/emails/messages")).data;
    await expect
      .poll(outbox, { timeout: 60_000, interval: 500 })
      .toEqual([expect.objectContaining({ toAddress: "ada@example.com", state: "sent" })]);
    const [message] = await outbox();
    const { text } = await api<{ text: string }>(`/api/v1/emails/messages/${message.id}`);
    const link = new URL(/^9: (\S+)$/m.exec(text)?.[1] ?? "");
    await page.goto(`${rapport.url}${link.pathname}${link.search}`);
    await page.getByLabel("What is the main reason for your score? (optional)").fill("Fast support");
    await page.getByRole("button", { name: "Send my answer" }).click();
    await page.waitForLoadState("load");

    // The response and the NPS in the console.
    await page.goto(`${rapport.url}/console/kpis/nps/`);
    await settled(page);
    expect(await page.locator("#responses tr").allTextContents()).toEqual([
      expect.stringMatching(/ada\s*9 promoter\s*Fast support\s*email/),
    ]);
    expect(await page.locator("#surveys tr").allTextContents()).toEqual([
      expect.stringMatching(/^Q4 pulse\s*100\s*1\s*1\s*100%/),
    ]);
    // Ada, a promoter with marketing consent, was invited to refer (through the queue); nobody to follow up.
    await expect
      .poll(async () => (await api<{ data: Array<{ promotersInvited: number }> }>("/api/v1/nps/surveys")).data[0])
      .toMatchObject({ promotersInvited: 1 });
    await page.reload();
    await settled(page);
    expect(await page.locator("#surveys tr").textContent()).toMatch(/100%\s*1\s*0\s*0\s*1\s*1\s*0\s*open$/);
    expect(await page.locator("#followups").textContent()).toContain("No follow-ups here");

    // Journey 5: a ratio typed as a percentage is refused next to the field; then NPS gets a target.
    await page.goto(`${rapport.url}/console/kpis/targets/`);
    await settled(page);
    await page.getByLabel("KPI", { exact: true }).selectOption({ label: "Retention" });
    await page.getByLabel("Start value").fill("0.7");
    await page.getByLabel("Target", { exact: true }).fill("85");
    await page.getByLabel("Owner email").fill("owner@example.com");
    await page.getByRole("button", { name: "Save target" }).click();
    await expect
      .poll(() => page.locator("#target-error").textContent())
      .toBe("85 is not a ratio: enter a number from 0 to 1 (0.25 for 25%)");
    await page.getByLabel("KPI", { exact: true }).selectOption({ label: "Net Promoter Score" });
    await page.getByLabel("Start value").fill("0");
    await page.getByLabel("Target", { exact: true }).fill("50");
    await page.getByRole("button", { name: "Save target" }).click();
    await expect.poll(() => page.locator("#target-result").textContent()).toBe("Saved.");
    expect(await page.locator("#target-error").count()).toBe(0);

    await page.goto(`${rapport.url}/console/`);
    await settled(page);
    await expect.poll(() => page.getByTestId("status-nps").textContent()).toBe("On track");
    expect(await page.getByTestId("kpi-nps").textContent()).toContain("Target 50 (from 0, higher is better)");
    // The browser logs the two refused requests (the days, the ratio); nothing else.
    expect(errors).toEqual(
      Array(2).fill("Failed to load resource: the server responded with a status of 400 (Bad Request)"),
    );
    await page.close();
  });
});
