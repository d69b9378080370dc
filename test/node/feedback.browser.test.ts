import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { confirmIn, consoleBrowser, watchErrors } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, browser, signedIn } = consoleBrowser();
/** The machine is shared: give the UI time to answer before calling it wrong. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000 });

const api = async <T>(path: string, init: RequestInit = {}) => {
  const res = await fetch(`${rapport.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json", ...init.headers },
  });
  return (await res.json()) as T;
};

/** An identity token as the host app signs it, for a visitor of its own. */
const visitorToken = (claims: { id: string; email: string; name?: string }) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("browser-test-secret"));

describe("feedback console", () => {
  it("triages by votes and ICE, and changes a post's status with a public note", async () => {
    const { page, errors } = await signedIn();
    await page.getByRole("link", { name: "Feedback", exact: true }).click();

    // Sorted by votes: the first row has the most votes of the seeded posts.
    const rows = page.locator("#posts tr");
    await poll(() => rows.count()).toBeGreaterThan(10);
    const votes = await page.locator("#posts tr td:nth-child(4)").allTextContents();
    const numbers = votes.map((v) => Number(v.replace(/\D/g, "")));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));

    await page.getByLabel("Sort by").selectOption("ice");
    await page.getByRole("button", { name: "Apply" }).click();
    // Every row with an ICE score, highest first, and unscored posts ("—") after them.
    const iceColumn = async () =>
      (await page.locator("#posts tr td:nth-child(5)").allTextContents()).map((t) => t.trim());
    await poll(async () => {
      const cells = await iceColumn();
      const scored = cells.filter((t) => /^\d+$/.test(t)).map(Number);
      return scored.length > 0 && cells.slice(0, scored.length).every((t) => /^\d+$/.test(t))
        ? scored.every((n, i) => i === 0 || scored[i - 1] >= n)
        : false;
    }).toBe(true);

    // Open the first post in the editor and move it to "in progress" with a note.
    await page.getByLabel("Status").selectOption("under_review");
    await page.getByRole("button", { name: "Apply" }).click();
    await poll(async () => new Set(await page.locator("#posts tr td:nth-child(3)").allTextContents())).toEqual(
      new Set(["under review"]),
    );
    const title = (await page.locator("#posts tr a").first().textContent()) ?? "";
    await page.locator("#posts tr a").first().click();
    await page.waitForURL(/\/console\/feedback\/post\/\?id=/);
    await poll(() => page.getByTestId("post-title").textContent()).toBe(title);
    const id = new URL(page.url()).searchParams.get("id") as string;

    await page.getByLabel("New status").selectOption("in_progress");
    await page.getByLabel(/Public note/).fill("Started this sprint");
    await page.getByRole("button", { name: "Update status" }).click();
    await confirmIn(page, "Update and email");
    await poll(() => page.locator("#status-result").textContent()).toMatch(/Now in progress; \d+ people/);
    await poll(() => page.locator("#timeline").textContent()).toContain("Started this sprint");

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
    // A post of its own on the moderated demo board: approving a seeded one would change what the
    // KPI history test computes for the seed's days.
    const visitor = `moderated-${crypto.randomUUID().slice(0, 8)}`;
    const created = await fetch(`${rapport.url}/api/v1/boards/beta/posts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await visitorToken({ id: visitor, email: `${visitor}@example.com` })}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ title: `Offline mode ${visitor}` }),
    });
    const { id, moderation } = (await created.json()) as { id: string; moderation: string };
    expect(moderation).toBe("pending");
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/feedback/moderation/`);
    const approve = page.locator(`#pending-posts button[data-id="${id}"]`, { hasText: "Approve" });
    await poll(() => approve.isVisible()).toBe(true);
    await approve.click();
    await poll(() => page.locator("#queue-result").textContent()).toBe("Approved.");
    await poll(() => page.locator(`#pending-posts button[data-id="${id}"]`).count()).toBe(0);

    const post = await api<{ post: { moderation: string } }>(`/feedback/posts/${id}`);
    expect(post.post.moderation).toBe("approved");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("on the public board a signed-in visitor sees similar ideas while typing and votes with the form", async () => {
    const context = await browser().newContext();
    const token = await visitorToken({ id: "browser-voter", email: "voter@example.com", name: "Browser Voter" });
    await context.addCookies([{ name: "rapport_identity", value: token, url: rapport.url }]);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${rapport.url}/feedback/integrations`);
    await page.getByLabel("Title").pressSequentially("Slack", { delay: 30 });
    await poll(() => page.locator("#fb-similar li").count()).toBeGreaterThan(0);
    expect(await page.locator("#fb-similar").textContent()).toMatch(/Slack/i);

    const first = page.locator("article.fb-post").first();
    const title = (await first.locator("h2 a").textContent()) ?? "";
    await first.getByRole("button", { name: "▲ Vote" }).click();
    await page.waitForURL(/\/feedback\/integrations\/fbp_/);
    expect(await page.locator("h1").textContent()).toBe(title);
    await poll(() => page.getByRole("button", { name: "Voted ✓" }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("feedback console: boards and bulk triage", () => {
  it("edits a board and its categories, moves selected posts to a status, category and tags after asking, and the board filters by category", async () => {
    const { page, errors } = await signedIn();
    const slug = `bulk-${Date.now().toString(36)}`;
    await page.goto(`${rapport.url}/console/feedback/`);
    await page.getByLabel("Name", { exact: true }).fill("Bulk board");
    await page.getByLabel("Slug").fill(slug);
    await page.getByRole("button", { name: "Create board" }).click();
    await poll(() => page.locator("#board-result").textContent()).toBe("Board created.");

    // Edit it: a refused name is explained next to the field; then name, description and privacy change.
    await page.getByRole("button", { name: "Edit Bulk board" }).click();
    await page.getByLabel("Name", { exact: true }).fill(" ");
    await page.getByRole("button", { name: "Save board" }).click();
    await poll(() => page.locator("#b-name-error").textContent()).toBe("Name the board (1 to 100 characters)");
    await page.getByLabel("Name", { exact: true }).fill("Billing ideas");
    await page.getByLabel("Description").fill("Invoices, plans and taxes");
    await page.getByLabel("Visibility").selectOption("identified");
    await page.getByRole("button", { name: "Save board" }).click();
    await poll(() => page.locator("#board-result").textContent()).toBe("Board saved.");
    const board = await api<{ data: Array<{ slug: string; name: string; description: string; visibility: string }> }>(
      "/feedback/boards",
    );
    expect(board.data.find((b) => b.slug === slug)).toMatchObject({
      name: "Billing ideas",
      description: "Invoices, plans and taxes",
      visibility: "identified",
    });

    // Its categories: a name taken in another case is refused next to the field.
    await page.getByRole("button", { name: "Edit Billing ideas" }).click();
    const categoryNames = async () =>
      Promise.all((await page.locator("#category-rows input").all()).map((input) => input.inputValue()));
    await page.getByLabel("New category").fill("Invoices");
    await page.getByRole("button", { name: "Add category" }).click();
    await poll(() => page.locator("#category-result").textContent()).toBe("Added “Invoices”.");
    await page.getByLabel("New category").fill("invoices");
    await page.getByRole("button", { name: "Add category" }).click();
    await poll(() => page.locator("#c-name-error").textContent()).toBe(
      "This board already has a category named “invoices”",
    );
    await page.getByLabel("New category").fill("Plans");
    await page.getByRole("button", { name: "Add category" }).click();
    await poll(categoryNames).toEqual(["Invoices", "Plans"]);
    await page.getByRole("button", { name: "Move Plans up" }).click();
    await poll(categoryNames).toEqual(["Plans", "Invoices"]);

    // Two ideas on it from people; select both in triage.
    for (const [title, person] of [
      ["Pay by invoice", "inv"],
      ["Yearly plans", "year"],
    ]) {
      await api("/feedback/posts", {
        method: "POST",
        body: JSON.stringify({
          board: slug,
          title,
          author: { externalId: `${slug}-${person}`, email: `${person}@example.com` },
        }),
      });
    }
    await page.getByLabel("Board", { exact: true }).selectOption(slug);
    await page.getByLabel("Status", { exact: true }).selectOption("");
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await poll(() => page.locator("#posts tr").count()).toBe(2);
    await page.getByLabel("Select Pay by invoice").check();
    await page.getByLabel("Select Yearly plans").check();

    // A tag too long is refused next to its field, and nothing changes.
    await page.getByLabel("Add tags").fill(`billing, ${"x".repeat(41)}`);
    await page.getByRole("button", { name: "Change selected" }).click();
    await poll(() => page.locator("#bulk-add-error").textContent()).toBe("A tag has 1 to 40 characters");
    await page.getByLabel("Add tags").fill("billing, q3");
    await page.getByLabel("Move to").selectOption("planned");
    await page.getByLabel("Public note").fill("Next quarter");
    await page.locator("#bulk-category").selectOption({ label: "Billing ideas: Plans" });
    await page.getByRole("button", { name: "Change selected" }).click();
    await poll(() => page.getByRole("dialog").getByRole("heading").textContent()).toBe(
      "Move 2 posts to “planned” and email their people?",
    );
    await confirmIn(page, "Change and email");
    await poll(() => page.locator("#bulk-result").textContent()).toBe("Changed 2 posts; 2 people emailed.");
    await poll(() => page.locator("#posts tr td:nth-child(3)").allTextContents()).toEqual(["planned", "planned"]);
    expect(await page.locator("#posts tr td:last-child").allTextContents()).toEqual(["Plans", "Plans"]);
    const posts = await api<{ data: Array<{ tags: string[]; status: string }> }>(`/feedback/posts?board=${slug}`);
    expect(posts.data.map((p) => p.tags)).toEqual([
      ["billing", "q3"],
      ["billing", "q3"],
    ]);
    // The browser logs the refused requests (the name, the category, the tag); nothing else.
    const refused = (status: string) => `Failed to load resource: the server responded with a status of ${status}`;
    expect(errors).toEqual([refused("400 (Bad Request)"), refused("409 (Conflict)"), refused("400 (Bad Request)")]);
    await page.close();

    // A signed-in visitor posts an idea in a category; the board filtered by it shows only that.
    const context = await browser().newContext();
    const token = await visitorToken({ id: `${slug}-visitor`, email: "visitor@example.com" });
    await context.addCookies([{ name: "rapport_identity", value: token, url: rapport.url }]);
    const visitor = await context.newPage();
    await visitor.goto(`${rapport.url}/feedback/${slug}`);
    await visitor.getByLabel("Title").fill("Net 30 terms");
    await visitor.locator("#fb-post-category").selectOption({ label: "Invoices" });
    await visitor.getByRole("button", { name: "Post", exact: true }).click();
    await visitor.waitForURL(/\/fbp_/);
    expect(await visitor.locator(".fb-category").textContent()).toBe("Invoices");
    await visitor.goto(`${rapport.url}/feedback/${slug}`);
    await visitor.locator("#fb-filter-category").selectOption({ label: "Invoices" });
    await visitor.getByRole("button", { name: "Apply" }).click();
    await visitor.waitForURL(/category=/);
    expect(await visitor.locator("article.fb-post h2").allTextContents()).toEqual(["Net 30 terms"]);
    await context.close();
  });
});
