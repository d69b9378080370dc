import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../db/local.ts";
import { axeViolations, consoleBrowser, settled } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, browser, signedIn } = consoleBrowser();
const auth = { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" };

async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${rapport.url}/api/v1${path}`, { ...init, headers: auth });
  expect(res.ok, path).toBe(true);
  return (await res.json()) as T;
}

/**
 * Every page the console build has (a new page is covered without touching this test), with the
 * query some pages need to show a record. Sign-in is checked on its own below.
 */
async function consolePages() {
  const { data } = await apiJson<{ data: Array<{ id: string }> }>("/feedback/posts?limit=1");
  const query: Record<string, string> = { "kpis/": "?kpi=nps", "feedback/post/": `?id=${data[0].id}` };
  const dist = resolve(ROOT, "console/dist/console");
  return readdirSync(dist, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("index.html"))
    .map((f) => f.slice(0, -"index.html".length))
    .filter((p) => p !== "sign-in/")
    .sort()
    .map((p) => p + (query[p] ?? ""));
}

/** How wide the page is and how wide the window (evaluated in the page). */
const WIDTHS = "({ scroll: document.documentElement.scrollWidth, viewport: innerWidth })";
type Widths = { scroll: number; viewport: number };

describe("console foundation", () => {
  for (const width of [1366, 390]) {
    it(`fits every page in a ${width} px wide window and passes axe`, async () => {
      // One long unbroken name, as people paste them.
      await apiJson("/keys", {
        method: "POST",
        body: JSON.stringify({ name: `ci-deploy-key-${"x".repeat(80)}`, scopes: ["read"] }),
      });
      const { page, errors } = await signedIn();
      await page.setViewportSize({ width, height: 900 });
      for (const path of await consolePages()) {
        await page.goto(`${rapport.url}/console/${path}`);
        await settled(page);
        const { scroll, viewport } = (await page.evaluate(WIDTHS)) as Widths;
        expect(scroll, `${path} at ${width} px`).toBeLessThanOrEqual(viewport);
        expect(await axeViolations(page), path).toEqual([]);
      }
      const signIn = await browser().newPage({ viewport: { width, height: 900 } });
      await signIn.goto(`${rapport.url}/console/sign-in/`);
      expect(((await signIn.evaluate(WIDTHS)) as Widths).scroll).toBeLessThanOrEqual(width);
      expect(await axeViolations(signIn)).toEqual([]);
      expect(errors).toEqual([]);
      await Promise.all([page.close(), signIn.close()]);
    });
  }

  it("shows a list's API error as a message with Retry, never an empty table, and recovers on Retry", async () => {
    const { page } = await signedIn();
    // The network answers 500 for the outbox list (our database is untouched).
    await page.route("**/api/v1/emails/messages?*", (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "urn:rapport:problem:internal", title: "Internal error", status: 500 }),
      }),
    );
    await page.goto(`${rapport.url}/console/emails/outbox/`);
    const alert = page.getByRole("alert").filter({ hasText: "Could not load this list" });
    await expect.poll(() => alert.textContent()).toContain("Internal error");
    expect(await page.locator("#messages").isVisible()).toBe(false);

    await page.unroute("**/api/v1/emails/messages?*");
    await alert.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => page.locator("#messages tr").count()).toBe(50);
    expect(await alert.isVisible()).toBe(false);
    await page.close();
  });

  it("pages the outbox past 100 rows with Load more, newest first by time, no row twice", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/emails/outbox/`);
    const more = page.getByRole("button", { name: "Load more" });
    for (const rows of [50, 100, 150]) {
      await expect.poll(() => page.locator("#messages tr").count()).toBe(rows);
      if (rows < 150) await more.click();
    }
    const shown = await page
      .locator("#messages tr")
      .evaluateAll((trs) =>
        trs.map((tr) => ({ id: tr.getAttribute("data-id"), at: tr.querySelector("time")?.getAttribute("datetime") })),
      );
    expect(new Set(shown.map((r) => r.id)).size).toBe(150);
    const times = shown.map((r) => Date.parse(r.at ?? ""));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("asks before revoking a key: Escape or Cancel keeps it, Revoke revokes it", async () => {
    const name = `Doomed key ${Date.now()}`;
    const created = await apiJson<{ id: string }>("/keys", {
      method: "POST",
      body: JSON.stringify({ name, scopes: ["read"] }),
    });
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/settings/`);
    const revoke = page.getByRole("button", { name: `Revoke ${name}` });
    const dialog = page.getByRole("dialog", { name: "Revoke this key?" });
    const revoked = async () =>
      (await apiJson<{ data: Array<{ id: string; revokedAt: number | null }> }>("/keys?limit=200")).data.find(
        (k) => k.id === created.id,
      )?.revokedAt ?? null;

    await revoke.click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    // Focus starts on the safe choice; the dialog is described by what will happen.
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Cancel");
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await revoke.click();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await revoked()).toBeNull();

    await revoke.click();
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await expect.poll(revoked).not.toBeNull();
    await expect.poll(() => revoke.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
