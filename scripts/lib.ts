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

type Consumer = { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number; deadLetterQueue?: string };

/** The queue consumers of wrangler.toml, for Miniflare: local runs batch as a deployment does. */
export function queueConsumers(): Record<string, Consumer> {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  const consumers: Record<string, Consumer> = {};
  for (const block of toml.split("[[queues.consumers]]").slice(1)) {
    const body = block.split(/^\[/m)[0];
    const str = (k: string) => new RegExp(`^${k}\\s*=\\s*"([^"]+)"`, "m").exec(body)?.[1];
    const num = (k: string) => {
      const m = new RegExp(`^${k}\\s*=\\s*(\\d+)`, "m").exec(body);
      return m ? Number(m[1]) : undefined;
    };
    const queue = str("queue");
    if (!queue) continue;
    consumers[queue] = {
      maxBatchSize: num("max_batch_size"),
      maxBatchTimeout: num("max_batch_timeout"),
      maxRetries: num("max_retries"),
      deadLetterQueue: str("dead_letter_queue"),
    };
  }
  return consumers;
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
