import { readFileSync } from "node:fs";
import { request } from "node:http";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { confirmIn, consoleBrowser, watchErrors } from "../support/browser.ts";

// The local Rapport on the seeded demo data, one browser for this file.
const { rapport, browser, signedIn } = consoleBrowser();

/** A GET to the local Rapport with another Host header (fetch may not set one), decoded as a browser would. */
const getOnHost = (path: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolvePromise, reject) => {
    const url = new URL(path, rapport.url);
    const headers = { host, "accept-encoding": "gzip" };
    const req = request({ hostname: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
        resolvePromise({ status: res.statusCode ?? 0, body: body.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end();
  });

const admin = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(`${rapport.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${rapport.key}`, "content-type": "application/json" },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });

describe("status console", () => {
  it("composes an incident with an escaped live preview and publishes it to the public page", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/status/`);
    await expect.poll(() => page.locator("#board").textContent()).toContain("Database");

    const hostile = `Login <img src=x onerror="window.pwned=1"> errors ${Date.now()}`;
    await page.getByLabel("Title").fill(hostile);
    await page.getByLabel("Message").fill("We are <b>looking</b> into it.");
    await page
      .getByRole("group", { name: "Affected components" })
      .getByLabel("Authentication")
      .selectOption("partial_outage");
    await expect.poll(() => page.locator("#preview").textContent()).toContain(hostile);
    expect(await page.locator("#preview img, #preview b").count()).toBe(0);
    expect(await page.locator("#preview").textContent()).toContain("Authentication: Partial outage");

    await page.getByRole("button", { name: "Publish" }).click();
    // The demo page has no subscribers: the dialog says so and publishing notifies nobody.
    expect(await page.getByRole("dialog").textContent()).toContain("No subscriber is notified.");
    await confirmIn(page, "Publish");
    await expect.poll(() => page.locator("#c-result").textContent()).toBe("Published.");

    const pub = await browser().newPage({ javaScriptEnabled: false });
    await pub.goto(`${rapport.url}/status/demo`);
    expect(await pub.locator("main").textContent()).toContain(hostile);
    expect(await pub.locator("main img").count()).toBe(0);

    // Leave the shared demo page as it was.
    const { data } = (await (await admin("/status/pages/stp_demo/incidents?kind=incident&limit=5")).json()) as {
      data: Array<{ id: string; name: string }>;
    };
    const mine = data.find((i) => i.name === hostile);
    expect(mine).toBeTruthy();
    await admin(`/status/incidents/${mine?.id}/resolve`, { method: "POST", json: {} });
    expect(errors).toEqual([]);
    await pub.close();
    await page.close();
  });

  it("changes a component from the board without asking when nobody would be told, and charts a monitor's response times", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/status/`);
    const select = page.locator("#board").getByLabel("Slack app");
    // Nobody is subscribed to the demo page: the change is made without asking.
    await select.selectOption("degraded_performance");
    await expect
      .poll(async () => {
        const s = (await (await fetch(`${rapport.url}/status/demo/api/v2/components.json`)).json()) as {
          components: Array<{ name: string; status: string }>;
        };
        return s.components.find((c) => c.name === "Slack app")?.status;
      })
      .toBe("degraded_performance");
    expect(await page.getByRole("dialog").count()).toBe(0);
    await select.selectOption("operational");
    await expect.poll(() => page.locator("#board-result").textContent()).toBe("Slack app: Operational.");

    await page.goto(`${rapport.url}/console/status/monitors/`);
    await page
      .getByRole("button", { name: /^Response times/ })
      .first()
      .click();
    await expect.poll(() => page.locator("#chart-svg polyline").count()).toBe(1);
    expect(await page.locator("#chart-summary").textContent()).toMatch(/\d+ checks/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sets the page's own domain with the route to add, and the page answers on that host", async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${rapport.url}/console/status/`);
    await expect.poll(() => page.locator("#board").textContent()).toContain("Database");
    const domain = page.getByLabel("Own domain (optional)");
    expect(await domain.inputValue()).toBe("");
    expect(await page.locator("#domain-setup").isHidden()).toBe(true);

    await domain.fill("https://Status.Example.test");
    await page.getByRole("button", { name: "Save settings" }).click();
    // The refusal is told next to the field, in words.
    await expect
      .poll(() => page.locator("#page-domain-error").textContent())
      .toBe("the host name alone: no scheme, port or path");
    expect(await domain.getAttribute("aria-invalid")).toBe("true");

    await domain.fill("status.example.test");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.locator("#domain-result").textContent()).toContain("Saved");
    expect(await page.locator("#page-domain-error").count()).toBe(0);
    expect(await page.locator("#domain-toml").textContent()).toBe(
      'routes = [{ pattern = "status.example.test", custom_domain = true }]',
    );
    expect(await page.locator("#domain-link").getAttribute("href")).toBe("https://status.example.test/");
    // wrangler dev passes the Host header through, as Cloudflare does for a custom domain.
    const onHost = await getOnHost("/api/v2/summary.json", "status.example.test");
    expect(onHost.status).toBe(200);
    expect(JSON.parse(onHost.body).page).toMatchObject({
      id: "stp_demo",
      url: expect.stringContaining("status.example.test"),
    });

    // Leave the shared demo page as it was.
    await domain.fill("");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.locator("#domain-result").textContent()).toBe("Saved: no own domain.");
    expect(await page.locator("#domain-setup").isHidden()).toBe(true);
    expect((await getOnHost("/api/v2/summary.json", "status.example.test")).status).toBe(404);
    // The refused domain's 400 is logged by the browser; nothing else may be.
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
    await page.close();
  });

  it("writes a postmortem, schedules and completes maintenance, and removes a subscriber", async () => {
    const { page, errors } = await signedIn();
    const stamp = Date.now();
    const old = `Old outage ${stamp}`;
    expect(
      (
        await admin("/status/pages/stp_demo/incidents", {
          method: "POST",
          json: { name: old, status: "resolved", body: "Fixed." },
        })
      ).status,
    ).toBe(201);
    const email = `watcher-${stamp}@example.test`;
    const sub = await fetch(`${rapport.url}/status/demo/api/v2/subscribers.json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    expect(sub.status).toBeLessThan(300);

    await page.goto(`${rapport.url}/console/status/incidents/`);
    await page.getByRole("button", { name: `Write postmortem ${old}` }).click();
    await page.getByLabel("What happened, why, and what changes").fill("A full disk. We alert at 80% now.");
    await page.getByRole("button", { name: "Save postmortem" }).click();
    await expect.poll(() => page.locator("#pm-result").textContent()).toBe("Published on the public page.");
    await expect.poll(() => page.getByRole("row", { name: new RegExp(old) }).textContent()).toContain("Published");

    // An end before the start is refused next to the end.
    const window = `Database upgrade ${stamp}`;
    await page.getByLabel("Title").fill(window);
    await page.locator("#mt-body").fill("Read-only for ten minutes.");
    await page.getByLabel("Starts (your time)").fill("2030-01-01T10:00");
    await page.getByLabel("Ends (your time)").fill("2030-01-01T09:00");
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => page.locator("#mt-until-error").textContent()).toBe("must be after the start");
    await page.getByLabel("Ends (your time)").fill("2030-01-01T10:30");
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => page.locator("#mt-result").textContent()).toBe(`Scheduled ${window}.`);
    await page.getByRole("button", { name: `Complete ${window}` }).click();
    await confirmIn(page, "Resolve");
    await expect.poll(() => page.getByRole("row", { name: new RegExp(window) }).textContent()).toContain("Completed");

    await page.goto(`${rapport.url}/console/status/subscribers/`);
    const row = page.getByRole("row", { name: new RegExp(email) });
    expect(await row.textContent()).toContain("Waiting for confirmation");
    await page.getByRole("button", { name: `Remove ${email}` }).click();
    await confirmIn(page, "Remove");
    await expect.poll(() => page.locator("#subscribers-result").textContent()).toBe(`Removed ${email}.`);
    expect(await row.count()).toBe(0);
    // The refused window's 400 is logged by the browser; nothing else may be.
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
    await page.close();
  });

  it("the public page has no accessibility violations (axe) and needs no script", async () => {
    const page = await browser().newPage();
    const errors = watchErrors(page);
    const res = await page.goto(`${rapport.url}/status/demo`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(await page.locator("script").count()).toBe(0);
    // Evaluated through the debugging protocol, so the page's CSP does not apply to axe itself.
    await page.evaluate(readFileSync(resolve("node_modules/axe-core/axe.min.js"), "utf8"));
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string }> }> } }).axe;
      return (await axe.run()).violations.map((v) => v.id);
    });
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
