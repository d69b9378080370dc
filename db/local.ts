// The local toolchain the seed, the scripts and the tests share: offline wrangler, the project root
// and binaries, and the local D1 that `wrangler dev` uses.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Never phone home: wrangler and astro run offline in scripts, tests and CI. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  ASTRO_TELEMETRY_DISABLED: "1",
};
Object.assign(process.env, OFFLINE_ENV);

export const ROOT = resolve(import.meta.dirname, "..");
export const BIN = resolve(ROOT, "node_modules/.bin");
/** Where `wrangler dev` and `wrangler d1 … --local` keep local state. */
export const LOCAL_STATE = resolve(ROOT, ".wrangler/state");

/** The D1 database id in wrangler.toml: local state is keyed by it. */
export function databaseId(): string {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  const m = /database_id\s*=\s*"([^"]+)"/.exec(toml);
  if (!m) throw new Error("wrangler.toml has no database_id");
  return m[1];
}

export function compatibilityDate(): string {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  return /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)?.[1] ?? "2026-08-15";
}

/** Runs a project binary (node_modules/.bin) and stops the script if it fails. */
export function run(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const cmd = existsSync(resolve(BIN, bin)) ? resolve(BIN, bin) : bin;
  const res = spawnSync(cmd, args, { stdio: "inherit", cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
  if (res.status !== 0) {
    console.error(`\n✗ ${bin} ${args.join(" ")} failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
}

/** Applies the migrations to the local D1 that `wrangler dev` uses (or to `persistTo`). */
export function migrateLocal(persistTo?: string): void {
  run("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : [])]);
}
