// npm start — Rapport on its embedded default: local D1 migrated and seeded, the console
// built, and the Worker on http://127.0.0.1:8787 (console at /console).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { seedLocal } from "../db/seed.ts";
import { startCron } from "./cron.ts";
import { BIN, migrateLocal, ROOT, run } from "./lib.ts";

const port = process.env.PORT ?? "8787";

// Local secrets: made once from the example, never committed.
const devVars = resolve(ROOT, ".dev.vars");
if (!existsSync(devVars)) {
  const example = readFileSync(resolve(ROOT, ".dev.vars.example"), "utf8");
  writeFileSync(
    devVars,
    example.replace(/=change-me$/gm, () => `=${randomBytes(24).toString("base64url")}`),
  );
  console.log("Wrote .dev.vars with fresh local secrets.");
}

migrateLocal();
const { key } = await seedLocal();
run("astro", ["build", "--root", "console", "--silent"]);

console.log(`
  Rapport is starting on http://127.0.0.1:${port}
  Console:        http://127.0.0.1:${port}/console/
  API reference:  http://127.0.0.1:${port}/api/v1/docs
  Admin API key:  ${key}
  Cron:           * * * * * fires every minute at the minute, as on Cloudflare
                  (each tick is listed on the console's Health page)

  Demo public pages:
    status page   http://127.0.0.1:${port}/status/demo
    feedback      http://127.0.0.1:${port}/feedback/product-ideas
    roadmap       http://127.0.0.1:${port}/roadmap
    campaign link http://127.0.0.1:${port}/r/CONF-BOOTH
`);
const wrangler = spawn(
  resolve(BIN, "wrangler"),
  [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    "--var",
    `PUBLIC_URL:http://127.0.0.1:${port}`,
    "--test-scheduled",
    "--show-interactive-dev-session=false",
  ],
  { cwd: ROOT, stdio: "inherit" },
);

// wrangler dev never fires cron; this does, every minute at the minute, until wrangler stops.
let warned = false;
const cron = startCron(`http://127.0.0.1:${port}`, {
  onError: (_at, reason) => {
    if (warned) return;
    warned = true;
    console.warn(`  Cron tick not delivered (${reason}); retrying at the next minute.`);
  },
});
// Ctrl-C reaches wrangler too: let it shut down, then leave with its exit code.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => wrangler.kill("SIGTERM"));
wrangler.on("exit", (code, signal) => {
  cron.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
