// npm test — everything CI checks, in the order that fails fastest.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { run } from "./lib.ts";

const step = (title: string) => console.log(`\n▶ ${title}`);

step("lint and format (biome)");
run("biome", ["check", "."]);

step("worker types are current (wrangler types --check)");
run("wrangler", ["types", "--check", "--strict-vars=false", "--env-file", ".dev.vars.example"]);

step("typecheck (tsc)");
run("tsc", ["-p", "."]);

step("build the console");
run("astro", ["build", "--root", "console", "--silent"]);

step("build the deployable bundle (wrangler deploy --dry-run)");
run("wrangler", ["deploy", "--dry-run", "--outdir", "dist/worker"]);

step("the console's API types are what /api/v1/openapi.json generates (npm run api:types)");
run("node", ["scripts/api-types.ts", "--check", "--bundle", "dist/worker/index.js"]);

step("typecheck the console, <script>s in .astro files included (astro check)");
run("astro", ["check", "--root", "console"]);

// Browser tests drive Debian's Chromium; install it when this machine lacks it and may.
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(chromium) && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
  step("install chromium for the browser tests");
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  run("apt-get", ["install", "-y", "-qq", "chromium"]);
}

step("tests (vitest: the Worker in workerd, then node and browser tests)");
run("vitest", ["run", ...process.argv.slice(2)]);
