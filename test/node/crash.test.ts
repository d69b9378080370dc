import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compatibilityDate, databaseId } from "../../db/local.ts";
import * as schema from "../../db/schema/index.ts";
import { startSmtpSink } from "../../scripts/smtp-sink.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { type Db, getDb, runBatch } from "../../worker/lib/db.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// The Worker is killed with SIGKILL (wrangler and workerd, no shutdown) while it delivers emails
// over SMTP and ingests events, then started again on the same local D1. Queued work is lost with
// the process (local queues live in memory): only what D1 holds and cron's sweeps recover it.
const EMAILS = 300;
const EVENTS_PER_BATCH = 100;
const STALE_SECONDS = 3;

const address = (i: number) => `crash-${String(i).padStart(3, "0")}@example.com`;

/** Runs `work` on the local D1 under `state` (while no Worker runs on it). */
async function withD1<T>(state: string, work: (db: Db) => Promise<T>) {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 204 }) } }",
    compatibilityDate: compatibilityDate(),
    d1Databases: { DB: databaseId() },
    d1Persist: resolve(state, "v3/d1"),
  });
  try {
    return await work(getDb((await mf.getD1Database("DB")) as unknown as D1Database));
  } finally {
    await mf.dispose();
  }
}

const sink = await startSmtpSink();
let rapport: LocalRapport | undefined;
afterAll(async () => {
  await rapport?.stop();
  await sink.close();
});

async function api<T>(path: string, init: RequestInit = {}, key = rapport?.key): Promise<T> {
  const res = await fetch(`${rapport?.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

const outboxCounts = async () =>
  (await api<{ counts: Record<string, number> }>("/api/v1/emails/messages?limit=1")).counts;

const log = (s: string) => process.env.CRASH_TEST_LOG && process.stderr.write(`${new Date().toISOString()} ${s}\n`);

beforeAll(async () => {
  rapport = await startLocalRapport(
    {
      SIGNING_SECRET: "crash-test-signing-secret",
      EMAIL_PROVIDER: "smtp",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(sink.port),
      SMTP_SECURE: "false",
      EMAIL_STALE_SENDING_SECONDS: String(STALE_SECONDS),
    },
    {
      empty: true,
      cronEveryMs: 1000,
      // Due emails, queued as other capabilities queue them, long enough ago that cron's sweep sends them.
      prepare: (state) =>
        withD1(state, async (db) => {
          const emails = Array.from({ length: EMAILS }, (_, i) => ({
            to: address(i),
            subject: `Crash test ${i}`,
            html: `<p>Message ${i}</p>`,
            text: `Message ${i}`,
            topic: "transactional" as const,
            idempotencyKey: `crash:${i}`,
          }));
          await runBatch(db, emailStatements(db, emails));
          await db.update(schema.emailMessages).set({ sendAfter: 0 });
        }),
    },
  );
});

it("after SIGKILL mid-delivery and mid-ingestion: no email twice, every unsent one marked unknown, every event counted once", async () => {
  if (!rapport) throw new Error("not started");
  log("started");
  const { key: writeKey } = await api<{ key: string }>("/api/v1/keys", {
    method: "POST",
    body: JSON.stringify({ name: "crash ingest", scopes: ["ingest"] }),
  });

  // Ingestion runs until the crash, one batch after another; a batch not answered 200 is resent
  // after the restart with the same messageIds, as a Segment library retries.
  const unanswered: number[] = [];
  let batches = 0;
  let crashed = false;
  const batchBody = (b: number) =>
    JSON.stringify({
      batch: Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
        type: "track",
        userId: `u-${i % 20}`,
        event: "crash_tested",
        messageId: `crash-${b}-${i}`,
      })),
    });
  const postBatch = async (b: number) => {
    try {
      const res = await fetch(`${rapport?.url}/v1/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json" },
        body: batchBody(b),
      });
      if (res.status !== 200) unanswered.push(b);
    } catch {
      unanswered.push(b);
    }
  };
  const ingesting = (async () => {
    while (!crashed) {
      const b = batches++;
      await Promise.all([postBatch(b), postBatch(b + 100_000)]);
    }
  })();

  // Kill while deliveries are in flight: a fifth of the messages are at the server.
  await expect.poll(() => sink.received.length, { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(EMAILS / 5);
  crashed = true;
  await rapport.crash();
  await ingesting;
  const atCrash = sink.received.length;
  log(`crashed at ${atCrash} emails, ${batches * 2} batches, ${unanswered.length} unanswered`);
  expect(atCrash).toBeLessThan(EMAILS);

  await rapport.restart();
  const afterRestart = await outboxCounts();
  log(`restarted: ${JSON.stringify(afterRestart)}`);
  // The kill left claims in flight, which only the stale sweep can settle.
  expect(afterRestart.sending ?? 0).toBeGreaterThan(0);
  for (const b of unanswered) await postBatch(b);

  await expect
    .poll(
      async () => {
        const c = await outboxCounts();
        return (c.queued ?? 0) + (c.sending ?? 0) + (c.deferred ?? 0);
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(0);
  log(`settled: ${JSON.stringify(await outboxCounts())}, ${sink.received.length} at the server`);
  await rapport.crash();

  const got = new Map<string, number>();
  for (const m of sink.received) for (const to of m.to) got.set(to, (got.get(to) ?? 0) + 1);
  const { rows, events, counted } = await withD1(rapport.state, async (db) => ({
    rows: await db.select().from(schema.emailMessages),
    events: await db.$count(schema.emailEvents),
    counted: (await db.select().from(schema.contactEventStats)).reduce((n, s) => n + s.count, 0),
  }));
  expect(rows).toHaveLength(EMAILS);
  // No one got a message twice.
  expect([...got.values()].filter((n) => n > 1)).toEqual([]);
  for (const row of rows) {
    const received = got.get(row.toAddress ?? "") ?? 0;
    // Sent means at the server exactly once; a message nobody has is marked unknown, never lost silently.
    if (row.state === "sent") expect(received, `${row.toAddress} sent`).toBe(1);
    else expect(row.state, `${row.toAddress} received ${received}`).toBe("unknown");
  }
  // Every event of every batch the client sent is stored and counted once.
  const sent = batches * 2 * EVENTS_PER_BATCH;
  expect(events).toBe(sent);
  expect(counted).toBe(sent);
}, 120_000);
