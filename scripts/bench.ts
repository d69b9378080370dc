// npm run bench — the bundled Worker in one workerd (Miniflare's API, no wrangler dev proxy),
// loaded with autocannon on 127.0.0.1. One JSON line per endpoint, each with its ratio to
// the no-op endpoint measured beside it in the same run.
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_ROUNDS=5 npm run bench [-- name-filter…]
// (a scenario runs when its name contains any of the filters, e.g. `npm run bench -- vote, /api/v1/kpis`)
import { mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import autocannon from "autocannon";
import { Miniflare } from "miniflare";
import { type Unstable_Config, unstable_readConfig } from "wrangler";
import { seedLocal } from "../db/seed.ts";
import { suite as capacity } from "./bench/capacity.ts";
import { suite as emails } from "./bench/emails.ts";
import { suite as feedback } from "./bench/feedback.ts";
import { suite as kpis } from "./bench/kpis.ts";
import { suite as platform } from "./bench/platform.ts";
import { suite as referrals } from "./bench/referrals.ts";
import { suite as status } from "./bench/status.ts";
import type { BenchContext, Scenario } from "./bench/types.ts";
import { compatibilityDate, databaseId, freePort, migrateLocal, ROOT, run } from "./lib.ts";
import { startSmtpSink } from "./smtp-sink.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONSUMERS = queueConsumers();
// Long enough for the queue to hand over what the last load left (a consumer waits up to its
// max_batch_timeout) and for that to be written: otherwise it lands in the next no-op's run.
const SETTLE_MS = 1500 + 1000 * Math.max(1, ...Object.values(CONSUMERS).map((c) => c.maxBatchTimeout ?? 0));
const filters = process.argv.slice(2);
// kpis before emails: the emails suite leaves a million contacts behind for its cron-tick scale test.
const suites = [platform, referrals, feedback, status, kpis, emails];

const work = resolve(ROOT, ".bench");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
run("wrangler", ["deploy", "--dry-run", "--outdir", resolve(work, "dist")]);
// Suites that measure on a database of their own run alone, by name.
for (const m of [capacity].filter((m) => filters.includes(m.name))) {
  process.exit((await m.measure({ script: resolve(work, "dist/index.js"), work })) ? 0 : 1);
}
const state = resolve(work, "state");
migrateLocal(state);
const { key } = await seedLocal({ persistTo: state });

// Email goes over real SMTP to a sink in this process, so sends are counted where they arrive.
const smtp = await startSmtpSink();
const port = await freePort();
const mf = new Miniflare({
  host: "127.0.0.1",
  port,
  modules: true,
  scriptPath: resolve(work, "dist/index.js"),
  compatibilityDate: compatibilityDate(),
  compatibilityFlags: ["nodejs_compat"],
  d1Databases: { DB: databaseId() },
  d1Persist: resolve(state, "v3/d1"),
  queueProducers: { JOBS: "rapport-jobs", DLQ: "rapport-dlq" },
  queueConsumers: CONSUMERS,
  ratelimits: { PUBLIC_WRITES: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } } },
  bindings: {
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    IDENTITY_SECRET: "bench-identity-secret",
    SIGNING_SECRET: "bench-signing-secret",
    CONSOLE_ORIGIN: "",
    ACCESS_TEAM_DOMAIN: "",
    ACCESS_AUD: "",
    ACCESS_JWKS: "",
    ALLOW_PRIVATE_URLS: "false",
    // As PUBLIC_WRITES above: the bench measures the throttle's cost, not its refusals.
    VOTES_PER_MINUTE: "1000000",
    EMAIL_PROVIDER: "smtp",
    EMAIL_FROM: "Rapport Bench <bench@rapport.localhost>",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtp.port),
  },
  cf: false,
});
const url = (await mf.ready).toString().replace(/\/$/, "");
const ctx: BenchContext = {
  url,
  key,
  mf,
  d1: (await mf.getD1Database("DB")) as unknown as D1Database,
  mail: smtp.received,
};

type Result = { rps: number; p50: number; p99: number; errors: number; requests: number; non2xx: number };

async function load(s: Scenario): Promise<Result> {
  const ok = s.okStatuses;
  const r = await autocannon({
    url: `${url}${s.path}`,
    method: s.method ?? "GET",
    headers: s.headers,
    body: typeof s.body === "function" ? undefined : s.body,
    requests:
      typeof s.body === "function" || s.perRequestHeaders
        ? [
            {
              setupRequest: (req) => ({
                ...req,
                ...(typeof s.body === "function" ? { body: s.body() } : {}),
                ...(s.perRequestHeaders ? { headers: { ...req.headers, ...s.perRequestHeaders() } } : {}),
              }),
            },
          ]
        : undefined,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  // Anything but the expected answers fails the scenario: a fast error is not throughput.
  const expected = (code: number) => (ok ? ok.includes(code) : code >= 200 && code < 400);
  const bad = Object.entries(r.statusCodeStats ?? {}).reduce(
    (n, [code, v]) => n + (expected(Number(code)) ? 0 : (v?.count ?? 0)),
    0,
  );
  const unexpected = Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !expected(Number(code)));
  if (unexpected.length || r.errors || r.timeouts) {
    const codes = Object.fromEntries(unexpected.map(([code, v]) => [code, v?.count ?? 0]));
    console.error(`  ${s.name}: unexpected ${JSON.stringify(codes)}, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    // No answer at all is an error too.
    errors: r.errors + r.timeouts + bad + (r.requests.total === 0 ? 1 : 0),
    requests: r.requests.total,
    non2xx: r.non2xx,
  };
}

/** The queue consumers of wrangler.toml (read by wrangler itself), for Miniflare: local runs batch as a deployment does. */
function queueConsumers() {
  const config: Unstable_Config = unstable_readConfig({ config: resolve(ROOT, "wrangler.toml") });
  return Object.fromEntries(
    (config.queues.consumers ?? []).map((c) => [
      c.queue,
      {
        maxBatchSize: c.max_batch_size,
        maxBatchTimeout: c.max_batch_timeout,
        maxRetries: c.max_retries,
        deadLetterQueue: c.dead_letter_queue,
      },
    ]),
  );
}

const NOOP: Scenario = { name: "GET /api/v1/ping (no-op)", path: "/api/v1/ping" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Waits out work the previous load left behind (queued clicks, slow reports still running): until
 * the no-op and a D1 read (health) both answer quickly.
 */
async function settle() {
  await sleep(SETTLE_MS);
  const quick = async (path: string) => {
    const t0 = performance.now();
    await (await fetch(`${url}${path}`)).arrayBuffer();
    return performance.now() - t0 < 50;
  };
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
    if ((await quick(NOOP.path)) && (await quick("/api/v1/health"))) return;
  }
}

/**
 * The scenario and the no-op alternate (no-op first, a pause before each so queued work from the
 * previous load has drained), so both see the same machine: on a shared 2-core box throughput
 * drifts by ±20 % between runs minutes apart, and one round's ratio by ±10 %. Scenarios with a
 * target run ROUNDS (5) rounds and report the median per-round ratio; every round's numbers are
 * printed too.
 */
async function compare(s: Scenario) {
  const rounds: Array<{ noop: Result; r: Result }> = [];
  for (let i = 0; i < (s.minRatio === undefined ? 1 : ROUNDS); i++) {
    await settle();
    const noop = await load(NOOP);
    await settle();
    await s.beforeRound?.(ctx);
    rounds.push({ noop, r: await load(s) });
  }
  const sum = (f: (r: Result) => number) => rounds.reduce((n, x) => n + f(x.r), 0);
  return {
    r: {
      rps: median(rounds.map((x) => x.r.rps)),
      p50: median(rounds.map((x) => x.r.p50)),
      p99: median(rounds.map((x) => x.r.p99)),
      errors: sum((r) => r.errors),
      requests: sum((r) => r.requests),
      non2xx: sum((r) => r.non2xx),
      runs: rounds.length,
    },
    noopRps: median(rounds.map((x) => x.noop.rps)),
    noopErrors: rounds.reduce((n, x) => n + x.noop.errors, 0),
    ratio: Number(median(rounds.map((x) => x.r.rps / x.noop.rps)).toFixed(2)),
    p99Ratio: Number(median(rounds.map((x) => x.r.p99 / Math.max(1, x.noop.p99))).toFixed(2)),
    rounds: rounds.length > 1 ? rounds.map((x) => Number((x.r.rps / x.noop.rps).toFixed(2))) : undefined,
  };
}

try {
  for (const s of suites) await s.prepare?.(ctx);
  const noop = await load(NOOP);
  console.log(JSON.stringify({ endpoint: NOOP.name, ...pick(noop), ratio: 1, pass: noop.errors === 0 }));
  let failed = noop.errors > 0;
  for (const s of suites.flatMap((x) => x.scenarios)) {
    if (filters.length && !filters.some((f) => s.name.includes(f))) continue;
    await s.before?.(ctx);
    const { r, noopRps, noopErrors, ratio, p99Ratio, rounds } = await compare(s);
    const extra = (await s.after?.(ctx, { requests: r.requests, non2xx: r.non2xx, runs: r.runs })) ?? {};
    const checks = [
      r.errors === 0 && noopErrors === 0,
      s.minRatio === undefined || ratio >= s.minRatio,
      s.maxP99Ratio === undefined || p99Ratio <= s.maxP99Ratio,
      ...Object.entries(extra)
        .filter(([k]) => k.startsWith("pass"))
        .map(([, v]) => v !== false),
    ];
    const pass = checks.every(Boolean);
    if (!pass) failed = true;
    const target =
      s.minRatio !== undefined
        ? { target: `>= ${s.minRatio}x no-op${s.maxP99Ratio ? `, p99 <= ${s.maxP99Ratio}x` : ""}, no errors`, pass }
        : { pass };
    console.log(
      JSON.stringify({ endpoint: s.name, ...pick(r), noopRps, ratio, p99Ratio, rounds, ...target, ...extra }),
    );
  }
  if (failed) process.exitCode = 1;
} finally {
  await mf.dispose();
  await smtp.close();
}

function pick(r: Result) {
  return { rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors };
}
