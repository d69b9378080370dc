import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, signIn, watchErrors } from "../support/browser.ts";

// Started once for all browser tests by test/support/rapport-global.ts, on the seeded demo data.
const rapport = { url: inject("rapportUrl"), key: inject("rapportKey") };
let browser: Browser;

const api = async <T>(path: string, init: RequestInit = {}) => {
  const res = await fetch(`${rapport.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json", ...init.headers },
  });
  return (await res.json()) as T;
};

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("feedback console", () => {
  it("triages by votes and ICE, and changes a post's status with a public note", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.getByRole("link", { name: "Feedback", exact: true }).click();

    // Sorted by votes: the first row has the most votes of the seeded posts.
    const rows = page.locator("#posts tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(10);
    const votes = await page.locator("#posts tr td:nth-child(4)").allTextContents();
    const numbers = votes.map((v) => Number(v.replace(/\D/g, "")));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));

    await page.getByLabel("Sort by").selectOption("ice");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(async () => (await page.locator("#posts tr td:nth-child(5)").first().textContent())?.trim())
      .toMatch(/^\d+$/);
    const ice = (await page.locator("#posts tr td:nth-child(5)").allTextContents())
      .map((t) => Number(t))
      .filter((n) => !Number.isNaN(n));
    expect(ice).toEqual([...ice].sort((a, b) => b - a));

    // Open the first post in the editor and move it to "in progress" with a note.
    await page.getByLabel("Status").selectOption("under_review");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(async () => new Set(await page.locator("#posts tr td:nth-child(3)").allTextContents()))
      .toEqual(new Set(["under review"]));
    const title = (await page.locator("#posts tr a").first().textContent()) ?? "";
    await page.locator("#posts tr a").first().click();
    await page.waitForURL(/\/console\/feedback\/post\/\?id=/);
    await expect.poll(() => page.getByTestId("post-title").textContent()).toBe(title);
    const id = new URL(page.url()).searchParams.get("id") as string;

    await page.getByLabel("New status").selectOption("in_progress");
    await page.getByLabel(/Public note/).fill("Started this sprint");
    await page.getByRole("button", { name: "Update status" }).click();
    await expect.poll(() => page.locator("#status-result").textContent()).toMatch(/Now in progress; \d+ people/);
    await expect.poll(() => page.locator("#timeline").textContent()).toContain("Started this sprint");

    const detail = await api<{ post: { status: string }; timeline: Array<{ comment: string | null }> }>(
      `/feedback/posts/${id}`,
    );
    expect(detail.post.status).toBe("in_progress");
    expect(detail.timeline.at(-1)?.comment).toBe("Started this sprint");
    const publicPage = await (
      await fetch(
        `${rapport.url}/feedback/${(await api<{ post: { boardSlug: string } }>(`/feedback/posts/${id}`)).post.boardSlug}/${id}`,
      )
    ).text();
    expect(publicPage).toContain("Started this sprint");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("approves a pending post from the moderation queue", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, rapport.url, rapport.key);
    await page.waitForURL(`${rapport.url}/console/`);
    await page.goto(`${rapport.url}/console/feedback/moderation/`);
    const approve = page.locator("#pending-posts button", { hasText: "Approve" }).first();
    await expect.poll(() => approve.isVisible()).toBe(true);
    const id = (await approve.getAttribute("data-id")) ?? "";
    expect(id).toMatch(/^fbp_/);
    await approve.click();
    await expect.poll(() => page.locator("#queue-result").textContent()).toBe("Approved.");
    await expect.poll(() => page.locator(`#pending-posts button[data-id="${id}"]`).count()).toBe(0);

    const post = await api<{ post: { moderation: string } }>(`/feedback/posts/${id}`);
    expect(post.post.moderation).toBe("approved");
    expect(errors).toEqual([]);
    await page.close();
  });
});
