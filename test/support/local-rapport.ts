import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedLocal } from "../../db/seed.ts";
import { startCron } from "../../scripts/cron.ts";
import { BIN, freePort, migrateLocal, ROOT } from "../../scripts/lib.ts";

export type LocalRapport = { url: string; key: string; stop(): Promise<void> };

/**
 * Starts Rapport the way `npm start` does (wrangler dev on a migrated, seeded local D1),
 * in a scratch state directory so tests never touch the developer's data. With `cronEveryMs`,
 * cron ticks as under `npm start`, at every multiple of that many milliseconds (npm start: a
 * minute); without, nothing runs the scheduled handler, so shared demo data stays as seeded.
 * With `empty`, the database has migrations and an admin key only: a new user's first day.
 */
export async function startLocalRapport(
  vars: Record<string, string> = {},
  opts: { cronEveryMs?: number; empty?: boolean } = {},
): Promise<LocalRapport> {
  const state = mkdtempSync(join(tmpdir(), "rapport-"));
  migrateLocal(state);
  const { key } = await seedLocal({ persistTo: state, empty: opts.empty });
  const port = await freePort();
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ];
  // RAPPORT_TEST_QUIET_HOURS (see vitest.config.ts) runs the browser tests under other quiet hours.
  const quietHours = process.env.RAPPORT_TEST_QUIET_HOURS;
  for (const [k, v] of Object.entries({
    IDENTITY_SECRET: "browser-test-secret",
    ...(quietHours ? { EMAIL_QUIET_HOURS: quietHours } : {}),
    ...vars,
  }))
    args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(resolve(BIN, "wrangler"), args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const cron = opts.cronEveryMs ? startCron(url, { everyMs: opts.cronEveryMs }) : undefined;
  return {
    url,
    key,
    async stop() {
      cron?.stop();
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      rmSync(state, { recursive: true, force: true });
    },
  };
}
