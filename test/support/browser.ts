import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Collects console errors and CSP violations, which tests assert are empty. Chromium asks for
 * /favicon.ico once per origin in a browser's life, so whether that 404 shows up on a page depends
 * on which test opened that origin first: not the page's error, not counted.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.location().url.endsWith("/favicon.ico")) errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

/** Signs in through the console's own form. */
export async function signIn(page: Page, base: string, key: string) {
  await page.goto(`${base}/console/sign-in/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * For a browser test file: the local Rapport started by test/support/rapport-global.ts (seeded
 * demo data), one browser for the file, and pages signed in to the console with errors watched.
 */
export function consoleBrowser() {
  const rapport = { url: inject("rapportUrl"), key: inject("rapportKey") };
  let current: Browser | undefined;
  beforeAll(async () => {
    current = await launchBrowser();
  });
  afterAll(async () => {
    await current?.close();
  });
  const browser = () => {
    if (!current) throw new Error("the browser starts in beforeAll");
    return current;
  };
  async function signedIn() {
    const page = await browser().newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    return { page, errors };
  }
  return { rapport, browser, signedIn };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core in the page (through the DevTools protocol, so the page's CSP still holds for the page). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    const doc = (globalThis as unknown as { document: unknown }).document;
    return (await axe.run(doc, { runOnly: ["wcag2a", "wcag2aa"] })) as {
      violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
    };
  });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Waits until the page's requests are done and no list is still loading. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(`!document.querySelector('[aria-busy="true"]')`);
}

/** Goes ahead in the console's confirm dialog (it asks before emailing people or what cannot be undone). */
export async function confirmIn(page: Page, action: string): Promise<void> {
  await page.getByRole("dialog").getByRole("button", { name: action, exact: true }).click();
}

/** Creates an ingest key for the host app on the console's settings page, as a marketer would; returns it. */
export async function createIngestKey(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/console/settings/`);
  await page.locator("#key-name").fill("Website");
  await page.getByRole("checkbox", { name: "ingest" }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").textContent()) ?? "";
  if (!key) throw new Error("The settings page showed no new key");
  return key;
}
