import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedLocal } from "../../db/seed.ts";
import { startCron } from "../../scripts/cron.ts";
import { BIN, freePort, migrateLocal, ROOT } from "../../scripts/lib.ts";

export type LocalRapport = {
  url: string;
  key: string;
  /** The state directory (wrangler's --persist-to): the local D1 survives a crash. */
  state: string;
  stop(): Promise<void>;
  /** Kills the Worker's whole process group with SIGKILL (no shutdown), keeping its state. */
  crash(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the Worker's process group: frozen, its D1 is as a crash would leave it. */
  freeze(frozen: boolean): void;
  /** Starts the Worker again on the same state, at a new `url`, with `vars` over those it started with. */
  restart(vars?: Record<string, string>): Promise<void>;
};

/**
 * wrangler.toml with Cloudflare's `send_email` binding added, written into `state` (its paths made
 * absolute, as they are relative to the file). Miniflare's local binding checks and parses each
 * message and keeps it as an .eml file under the temporary directory (see `bindingMail`).
 */
function configWithSendEmail(state: string): string {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8").replace(
    /^(main|directory|migrations_dir)\s*=\s*"([^"]+)"/gm,
    (_, key: string, path: string) => `${key} = ${JSON.stringify(resolve(ROOT, path))}`,
  );
  const file = join(state, "wrangler.toml");
  writeFileSync(file, `${toml}\n[[send_email]]\nname = "SEND_EMAIL"\n`);
  return file;
}

/** Where the Worker's Miniflare keeps its temporary files when started with `sendEmail`. */
export const workerTmp = (state: string) => join(state, "tmp");

/** Starts `wrangler dev` on `state`, in its own process group, and waits until it answers. */
async function spawnWorker(state: string, vars: Record<string, string>, config?: string) {
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
    ...(config ? ["--config", config] : []),
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(resolve(BIN, "wrangler"), args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    // With a config of its own, the Worker's temporary files (the binding's .eml files) stay in `state`.
    env: config ? { ...process.env, TMPDIR: workerTmp(state) } : process.env,
  });
  let output = "";
  // RAPPORT_WORKER_LOG=file keeps what the Worker prints, to debug a test.
  const keep = (d: Buffer) => {
    output += d;
    if (process.env.RAPPORT_WORKER_LOG) appendFileSync(process.env.RAPPORT_WORKER_LOG, d);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
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
  return { child, url };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {}
}

/** Sends `signal` to the process group of `child` (wrangler and its workerd) and waits for it to end. */
async function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  const ended = child.exitCode !== null || child.signalCode !== null;
  const exited = ended ? Promise.resolve() : new Promise((r) => child.once("exit", r));
  const send = (s: NodeJS.Signals) => signalGroup(child, s);
  send(signal);
  // A process that ignores SIGTERM is not waited for long.
  const force = setTimeout(() => send("SIGKILL"), 5000);
  await exited;
  clearTimeout(force);
}

/**
 * Starts Rapport the way `npm start` does (wrangler dev on a migrated, seeded local D1),
 * in a scratch state directory so tests never touch the developer's data. With `cronEveryMs`,
 * cron ticks as under `npm start`, at every multiple of that many milliseconds (npm start: a
 * minute); without, nothing runs the scheduled handler, so shared demo data stays as seeded.
 * With `empty`, the database has migrations and an admin key only: a new user's first day.
 * `prepare` runs on the migrated, seeded state before the Worker starts. With `sendEmail`, the
 * Worker has a local `send_email` binding named SEND_EMAIL.
 */
export async function startLocalRapport(
  vars: Record<string, string> = {},
  opts: {
    cronEveryMs?: number;
    empty?: boolean;
    prepare?: (state: string) => Promise<void>;
    sendEmail?: boolean;
  } = {},
): Promise<LocalRapport> {
  const state = mkdtempSync(join(tmpdir(), "rapport-"));
  migrateLocal(state);
  const { key } = await seedLocal({ persistTo: state, empty: opts.empty });
  await opts.prepare?.(state);
  let config: string | undefined;
  if (opts.sendEmail) {
    mkdirSync(workerTmp(state));
    config = configWithSendEmail(state);
  }
  // RAPPORT_TEST_QUIET_HOURS (see vitest.config.ts) runs the browser tests under other quiet hours.
  const quietHours = process.env.RAPPORT_TEST_QUIET_HOURS;
  const allVars = {
    IDENTITY_SECRET: "browser-test-secret",
    // Delivery signs unsubscribe links; a fresh clone has no .dev.vars to provide it.
    SIGNING_SECRET: "browser-test-signing-secret",
    ...(quietHours ? { EMAIL_QUIET_HOURS: quietHours } : {}),
    ...vars,
  };
  let worker = await spawnWorker(state, allVars, config);
  let cron = opts.cronEveryMs ? startCron(worker.url, { everyMs: opts.cronEveryMs }) : undefined;
  const rapport: LocalRapport = {
    url: worker.url,
    key,
    state,
    async crash() {
      cron?.stop();
      await killGroup(worker.child, "SIGKILL");
    },
    freeze(frozen) {
      signalGroup(worker.child, frozen ? "SIGSTOP" : "SIGCONT");
    },
    async restart(more = {}) {
      worker = await spawnWorker(state, { ...allVars, ...more }, config);
      rapport.url = worker.url;
      cron = opts.cronEveryMs ? startCron(worker.url, { everyMs: opts.cronEveryMs }) : undefined;
    },
    async stop() {
      cron?.stop();
      await killGroup(worker.child, "SIGTERM");
      rmSync(state, { recursive: true, force: true });
    },
  };
  return rapport;
}
