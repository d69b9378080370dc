// npm run bench -- capacity: storage over simulated days. The bundled Worker runs in one workerd on
// a database of its own; each simulated day the traffic is written at that day's time (ingestion
// through emails' own code, clicks and sent emails as the queue writes them), then the day's cron
// tick starts retention, which archives to R2 and prunes through the queue as in production. The
// volume is the full one divided by CAPACITY_SCALE; sizes are read with SQLite's dbstat and scaled up.
import { readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import * as schema from "../../db/schema/index.ts";
import { emailStatements, ingestCalls } from "../../worker/emails/index.ts";
import { chunk } from "../../worker/lib/db.ts";
import { idTime, newId } from "../../worker/lib/ids.ts";
import { compatibilityDate, databaseId, migrateLocal, ROOT } from "../lib.ts";
import type { MeasureSuite } from "./types.ts";

const DAY = 86_400_000;
/** The traffic the issue sizes for, per day. */
const FULL = { users: 1_000_000, events: 1_000_000, clicks: 100_000, emails: 50_000, links: 10_000 };
const SCALE = Number(process.env.CAPACITY_SCALE ?? 5000);
const DAYS = Number(process.env.CAPACITY_DAYS ?? 120);
/** The day whose size the last day's is compared with: flat means within 10 %. */
const FLAT_FROM = Math.min(60, Math.floor(DAYS / 2));
const START = Date.UTC(2030, 0, 1);
const EVENTS = ["page_viewed", "feature_used", "report_exported", "invite_sent", "order_completed"];
const per = (n: number) => Math.max(1, Math.round(n / SCALE));

type Db = ReturnType<typeof drizzle<typeof schema>>;
type Sizes = Map<string, { rows: number; bytes: number }>;

export const suite: MeasureSuite = {
  name: "capacity",
  async measure({ script, work }) {
    const state = resolve(work, "capacity");
    rmSync(state, { recursive: true, force: true });
    migrateLocal(state);
    const mf = newWorker(script, state);
    try {
      await mf.ready;
      const db = drizzle((await mf.getD1Database("DB")) as unknown as D1Database, { schema });
      const file = sqliteFile(resolve(state, "v3/d1"));
      const links = await setUp(db);
      const base = sizes(file);
      let middle: Sizes | null = null;
      for (let d = 0; d < DAYS; d++) {
        const day = START + d * DAY;
        await simulateDay(db, day, d, links);
        await retention(mf, db, day + 23 * 3_600_000 + 17 * 60_000);
        if (d + 1 === FLAT_FROM) middle = sizes(file);
        if ((d + 1) % 10 === 0)
          process.stderr.write(`capacity: day ${d + 1} of ${DAYS} (${Math.round(performance.now() / 1000)} s)\n`);
      }
      return report(base, middle ?? new Map(), sizes(file));
    } finally {
      await mf.dispose();
    }
  },
};

/** The Worker with wrangler.toml's variables (RETENTION_* overridable from the environment), D1, R2 and the queue. */
function newWorker(script: string, state: string) {
  const vars = unstable_readConfig({ config: resolve(ROOT, "wrangler.toml") }).vars as Record<string, string>;
  const env = Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [k, k.startsWith("RETENTION_") ? (process.env[k] ?? v) : v]),
  );
  return new Miniflare({
    host: "127.0.0.1",
    modules: true,
    scriptPath: script,
    compatibilityDate: compatibilityDate(),
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: databaseId() },
    d1Persist: resolve(state, "v3/d1"),
    r2Buckets: { ARCHIVE: "rapport-archive" },
    r2Persist: resolve(state, "v3/r2"),
    queueProducers: { JOBS: "rapport-jobs", DLQ: "rapport-dlq" },
    queueConsumers: { "rapport-jobs": { maxBatchSize: 50, maxBatchTimeout: 0 }, "rapport-dlq": { maxBatchTimeout: 0 } },
    bindings: { ...env, IDENTITY_SECRET: "bench-identity-secret", SIGNING_SECRET: "bench-signing-secret" },
    unsafeTriggerHandlers: true,
    cf: false,
  });
}

/** The one SQLite file Miniflare keeps the D1 database in. */
function sqliteFile(persist: string) {
  const dir = resolve(persist, "miniflare-D1DatabaseObject");
  const name = readdirSync(dir).find((f) => f.endsWith(".sqlite"));
  if (!name) throw new Error(`no database under ${dir}`);
  return resolve(dir, name);
}

/** A program and its referrers' links (links scale with the volume too). */
async function setUp(db: Db) {
  const programId = "prg_capacity";
  await db.insert(schema.referralPrograms).values({
    id: programId,
    name: "Capacity",
    allowedHosts: ["app.example.com"],
    defaultDestination: "https://app.example.com/",
    rewardPolicy: {
      referrer: { tiers: [] },
      referee: null,
      monthlyCap: null,
      holdDays: 30,
      velocity: { perReferrerPerDay: 50, perVisitorPerDay: 5 },
    },
    qualifyingEvent: { type: "event", event: "order_completed" },
    createdAt: START,
    updatedAt: START,
  });
  const links = Array.from({ length: per(FULL.links) }, (_, i) => ({
    id: `lnk_capacity_${i}`,
    programId,
    kind: "campaign" as const,
    code: `CAP${i}`,
    destination: "https://app.example.com/signup",
    createdAt: START,
    updatedAt: START,
  }));
  for (const part of chunk(links, 8)) await db.insert(schema.referralLinks).values(part);
  return links;
}

/** One day of traffic: each user's event, the clicks and the sent emails, at that day's times. */
async function simulateDay(
  db: Db,
  day: number,
  d: number,
  links: Array<{ id: string; programId: string; code: string }>,
) {
  const users = per(FULL.users);
  const events = per(FULL.events);
  const calls = Array.from({ length: events }, (_, i) => {
    const event = EVENTS[(i + d) % EVENTS.length];
    return {
      type: "track" as const,
      userId: `user-${i % users}`,
      event,
      messageId: `m-${d}-${i}`,
      timestamp: new Date(day + Math.floor((i / events) * (DAY - 3_600_000))).toISOString(),
      properties: event === "order_completed" ? { amount: 49, currency: "USD", plan: "pro" } : { path: "/app/home" },
      context: { traits: { email: `user-${i % users}@example.com` } },
    };
  });
  for (const part of chunk(calls, 500)) await ingestCalls(db, part, day + DAY - 3_000_000);

  const clicks = Array.from({ length: per(FULL.clicks) }, (_, i) => {
    const link = links[(i * 7 + d) % links.length];
    const at = day + Math.floor((i / per(FULL.clicks)) * DAY);
    return {
      id: `${newId("clk", at)}_${link.code}`,
      linkId: link.id,
      programId: link.programId,
      at,
      country: "US",
      device: "desktop",
      referrerHost: "news.example.com",
      utmSource: i % 3 ? "newsletter" : null,
      utmMedium: i % 3 ? "email" : null,
      visitorHash: `v${d}-${i % 50}`.padEnd(22, "x"),
    };
  });
  for (const part of chunk(clicks, 8)) await db.insert(schema.referralClicks).values(part);

  const html = `<p>Hi there,</p>${"<p>Here is what is new in the product this week, with a link.</p>".repeat(20)}`;
  const emails = Array.from({ length: per(FULL.emails) }, (_, i) => ({
    to: `user-${(i * 13 + d) % users}@example.com`,
    subject: "What is new this week",
    html,
    text: html.replace(/<[^>]+>/g, ""),
    topic: "product_updates" as const,
    idempotencyKey: `capacity:${d}:${i}`,
  }));
  const sentAt = day + 10 * 3_600_000;
  for (const part of chunk(emails, 5)) {
    const statements = emailStatements(db as never, part, sentAt);
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
  // As the provider leaves them: sent, with the headers compose adds.
  const queued = db
    .select({ id: schema.emailMessages.id })
    .from(schema.emailMessages)
    .where(eq(schema.emailMessages.state, "queued"));
  await db.batch([
    db
      .update(schema.emailBodies)
      .set({
        headers: { "List-Unsubscribe": "<https://rapport.example.com/e/u/em_x/sig>", "List-Unsubscribe-Post": "x" },
      })
      .where(inArray(schema.emailBodies.messageId, queued)),
    db.update(schema.emailMessages).set({ state: "sent", sentAt }).where(eq(schema.emailMessages.state, "queued")),
  ]);
}

/** Fires the cron tick at `at` (minute 17: a retention run starts) and waits for the run to finish. */
async function retention(mf: Miniflare, db: Db, at: number) {
  const res = await mf.dispatchFetch(`http://127.0.0.1/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${at}`);
  if (!res.ok) throw new Error(`cron tick: ${res.status} ${await res.text()}`);
  const id = `ret_${idTime(at)}`;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const [run] = await db.all<{ finished_at: number | null; error: string | null }>(
      sql`SELECT finished_at, error FROM retention_runs WHERE id = ${id}`,
    );
    if (run?.error) throw new Error(`retention failed: ${run.error}`);
    if (run?.finished_at) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`retention run ${id} did not finish`);
}

/** Rows and bytes (table and its indexes, from dbstat) of every table. */
function sizes(file: string): Sizes {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const owner = new Map(
      (
        db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all() as Array<{
          name: string;
          tbl_name: string;
        }>
      ).map((r) => [r.name, r.tbl_name]),
    );
    const out: Sizes = new Map();
    for (const r of db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as Array<{
      name: string;
      bytes: number;
    }>) {
      const table = owner.get(r.name) ?? r.name;
      if (table.startsWith("sqlite_") || table.startsWith("_cf_") || table.startsWith("d1_")) continue;
      const t = out.get(table) ?? { rows: 0, bytes: 0 };
      out.set(table, { ...t, bytes: t.bytes + Number(r.bytes) });
    }
    for (const [table, t] of out) {
      t.rows = Number((db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n);
    }
    return out;
  } finally {
    db.close();
  }
}

const total = (s: Sizes) => [...s.values()].reduce((n, t) => n + t.bytes, 0);
const perRow = (s: Sizes, ...tables: string[]) => {
  const rows = s.get(tables[0])?.rows ?? 0;
  const bytes = tables.reduce((n, t) => n + (s.get(t)?.bytes ?? 0), 0);
  return rows ? Math.round(bytes / rows) : null;
};
/**
 * Tables that grow by the day or by the configuration, not with the traffic (one KPI snapshot per
 * KPI and day whatever the volume): their size is taken as measured, not scaled up.
 */
const UNSCALED = new Set(["kpi_snapshots", "cron_runs", "retention_runs"]);
/** At full volume: what the empty schema takes, plus what traffic added, scaled up. */
const projected = (base: number, bytes: number, table?: string) =>
  table && UNSCALED.has(table) ? bytes : base + (bytes - base) * SCALE;
const projectedTotal = (base: Sizes, end: Sizes) =>
  [...end].reduce((n, [table, t]) => n + projected(base.get(table)?.bytes ?? 0, t.bytes, table), 0);
const gb = (bytes: number) => Number((bytes / 1e9).toFixed(3));

/** One line per table that traffic filled, then the summary; true when the targets are met. */
function report(base: Sizes, middle: Sizes, end: Sizes): boolean {
  const grown = [...end].filter(([table, t]) => t.bytes > (base.get(table)?.bytes ?? 0));
  for (const [table, t] of grown.sort((a, b) => b[1].bytes - a[1].bytes)) {
    console.log(
      JSON.stringify({
        endpoint: "capacity",
        table,
        rows: t.rows,
        bytes: t.bytes,
        bytesPerRow: t.rows ? Math.round(t.bytes / t.rows) : null,
        [`day${FLAT_FROM}Bytes`]: middle.get(table)?.bytes ?? 0,
        projectedGB: gb(projected(base.get(table)?.bytes ?? 0, t.bytes, table)),
        ...(UNSCALED.has(table) ? { scaled: false } : {}),
      }),
    );
  }
  const steadyStateGB = gb(projectedTotal(base, end));
  const growth = total(middle) ? total(end) / total(middle) - 1 : null;
  const flat = growth !== null && Math.abs(growth) <= 0.1;
  const pass = steadyStateGB <= 5 && flat;
  console.log(
    JSON.stringify({
      endpoint: "capacity",
      bytesPerEvent: perRow(end, "email_events"),
      bytesPerClick: perRow(end, "referral_clicks"),
      bytesPerEmail: perRow(end, "email_messages", "email_links", "email_bodies"),
      steadyStateGB,
      [`day${FLAT_FROM}MB`]: Number((total(middle) / 1e6).toFixed(2)),
      [`day${DAYS}MB`]: Number((total(end) / 1e6).toFixed(2)),
      growth: growth === null ? null : Number(growth.toFixed(3)),
      scale: SCALE,
      days: DAYS,
      target: `steadyStateGB <= 5, size flat (±10 %) from day ${FLAT_FROM} to ${DAYS}`,
      pass,
    }),
  );
  return pass;
}
