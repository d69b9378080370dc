import { afterAll, beforeAll, expect, it } from "vitest";
import * as schema from "../../db/schema/index.ts";
import { startSmtpSink } from "../../scripts/smtp-sink.ts";
import { api, crashLog, crashMidDelivery, expectAtMostOnce, queueDueEmails, tally, withD1 } from "../support/crash.ts";
import { type LocalRapport, startLocalRapport } from "../support/local-rapport.ts";

// The Worker is killed with SIGKILL (wrangler and workerd, no shutdown) while it delivers emails
// over SMTP and ingests events, then started again on the same local D1. Queued work is lost with
// the process (local queues live in memory): only what D1 holds and cron's sweeps recover it.
// crash-binding.test.ts does the same with Cloudflare's send_email binding.
const EMAILS = 300;
const EVENTS_PER_BATCH = 100;
const STALE_SECONDS = 3;

const sink = await startSmtpSink();
let rapport: LocalRapport | undefined;
afterAll(async () => {
  await rapport?.stop();
  await sink.close();
});

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
      prepare: (state) => queueDueEmails(state, "crash", EMAILS),
    },
  );
});

it("after SIGKILL mid-delivery and mid-ingestion: no email twice, every unsent one marked unknown, every event counted once", async () => {
  if (!rapport) throw new Error("not started");
  const running = rapport;
  crashLog("started");
  const { key: writeKey } = await api<{ key: string }>(running, "/api/v1/keys", {
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
      const res = await fetch(`${running.url}/v1/batch`, {
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
  await crashMidDelivery(running, EMAILS, () => sink.received.length, {
    onCrash: async () => {
      crashed = true;
      await ingesting;
      crashLog(`${batches * 2} batches, ${unanswered.length} unanswered`);
    },
    onRestart: async () => {
      for (const b of unanswered) await postBatch(b);
    },
  });
  await running.crash();

  const { rows, events, counted } = await withD1(running.state, async (db) => ({
    rows: await db.select().from(schema.emailMessages),
    events: await db.$count(schema.emailEvents),
    counted: (await db.select().from(schema.contactEventStats)).reduce((n, s) => n + s.count, 0),
  }));
  expect(rows).toHaveLength(EMAILS);
  // Sent means at the server exactly once; a message nobody has is marked unknown, never lost silently.
  expectAtMostOnce(rows, tally(sink.received.flatMap((m) => m.to)));
  // Every event of every batch the client sent is stored and counted once.
  const sent = batches * 2 * EVENTS_PER_BATCH;
  expect(events).toBe(sent);
  expect(counted).toBe(sent);
}, 120_000);
