// Emails benchmarks: ingestion throughput, cron evaluation cost against table size, and
// 10,000 sends through queue and outbox with zero duplicates and zero lost.
import { DAY, EVAL_LAG_MS } from "../../worker/emails/index.ts";
import type { BenchContext, BenchSuite } from "./types.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Sizes for the cron tick; BENCH_EMAILS_SIZES=10000,100000 to skip the slow 1M preparation. */
const SIZES = (process.env.BENCH_EMAILS_SIZES ?? "10000,100000,1000000").split(",").map(Number);
const DUE = 1000;
const SENDS = 10_000;

let seq = 0;
const run = `b${Date.now().toString(36)}`;
function batchBody(): string {
  const batch = Array.from({ length: 100 }, (_, i) => ({
    type: "track",
    userId: `bench-user-${(seq * 7 + i) % 5000}`,
    event: i % 3 ? "logged_in" : "feature_used",
    properties: { i },
    messageId: `${run}-${seq}-${i}`,
  }));
  seq++;
  return JSON.stringify({ batch });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const one = async <T>(d1: D1Database, q: string, ...binds: unknown[]) =>
  (await d1
    .prepare(q)
    .bind(...binds)
    .first()) as T;

/** Grows the bench contacts to `total`, all inactive outside the trigger's window. */
async function growContacts(d1: D1Database, from: number, total: number, now: number) {
  for (let start = from; start < total; start += 50_000) {
    const end = Math.min(total, start + 50_000);
    const q = `with recursive d(n) as (select ${start + 1} union all select n + 1 from d where n < ${end})`;
    // Last activity anywhere in the last 120 days except the 2 days around the 3-day mark.
    const last = `${now} - 86400000 * (case when n % 2 = 0 then (n % 24) / 10.0 else 5 + n % 115 end)`;
    await d1.batch([
      d1.prepare(`${q} insert into contacts (id, external_id, email, traits, first_seen_at, last_seen_at)
        select 'ct_bench' || n, 'bench-contact-' || n, 'bench' || n || '@example.com', '{}', ${now}, ${now} from d`),
      d1.prepare(`${q} insert into email_profiles (contact_id, consent_product_updates, first_event_at, last_event_at, event_count, updated_at)
        select 'ct_bench' || n, 1, ${last}, ${last}, 1, ${now} from d`),
    ]);
  }
}

/** The DUE contacts whose 3 days of inactivity end inside the window the tick reads. */
async function markDue(d1: D1Database, now: number, watermark: number) {
  const lo = watermark - 3 * DAY;
  const hi = now - EVAL_LAG_MS - 3 * DAY;
  const step = Math.floor((hi - lo) / (DUE + 1));
  await d1
    .prepare(`update email_profiles set last_event_at = ?1 + ?2 * cast(substr(contact_id, 9) as integer)
      where contact_id in (select 'ct_bench' || n from (with recursive d(n) as (select 1 union all select n + 1 from d where n < ${DUE}) select n from d))`)
    .bind(lo, step)
    .run();
}

/**
 * Median time, over 3 ticks from the same watermark, of the trigger's evaluation inside the
 * Worker: from the queue message to the watermark moving (includes the queue's batch wait).
 */
async function tick(ctx: BenchContext, triggerId: string, watermark: number) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    await ctx.d1.prepare("delete from email_messages where trigger_id = ?").bind(triggerId).run();
    await ctx.d1
      .prepare("update email_triggers set watermark = ?, enabled = 1 where id = ?")
      .bind(watermark, triggerId)
      .run();
    const t0 = performance.now();
    const res = await fetch(`${ctx.url}/api/v1/emails/triggers/${triggerId}/evaluate`, {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.key}` },
    });
    await res.text();
    for (let waited = 0; waited < 120_000; waited += 20) {
      const t = await one<{ watermark: number }>(
        ctx.d1,
        "select watermark from email_triggers where id = ?",
        triggerId,
      );
      if (t.watermark > watermark) break;
      await sleep(20);
    }
    times.push(performance.now() - t0);
    await ctx.d1.prepare("update email_triggers set enabled = 0 where id = ?").bind(triggerId).run();
    rows = (
      await one<{ n: number }>(ctx.d1, "select count(*) as n from email_messages where trigger_id = ?", triggerId)
    ).n;
  }
  return { ms: Math.round(times.sort((a, b) => a - b)[1]), candidates: rows };
}

async function cronTicks(ctx: BenchContext) {
  const now = Date.now();
  const watermark = now - 3600_000;
  const tpl = await one<{ id: string }>(ctx.d1, "select id from email_templates limit 1");
  // Min confidence above 1: candidates are written as skipped, so no deliveries run during later ticks.
  const triggerId = `trg_bench_${run}`;
  await ctx.d1
    .prepare(`insert into email_triggers (id, name, enabled, rule, template_id, topic, min_confidence, watermark)
      values (?, 'bench: 3 days inactive', 0, ?, ?, 'product_updates', 1.01, ?)`)
    .bind(
      triggerId,
      JSON.stringify({ entry: { kind: "absence", days: 3 }, filters: [], delay: { kind: "none" } }),
      tpl.id,
      watermark,
    )
    .run();
  const out: Record<string, unknown> = {};
  let have = 0;
  let first = 0;
  for (const size of SIZES) {
    const t0 = performance.now();
    await growContacts(ctx.d1, have, size, now);
    if (!have) await markDue(ctx.d1, now, watermark);
    have = size;
    const prepared = Math.round((performance.now() - t0) / 1000);
    const r = await tick(ctx, triggerId, watermark);
    first ||= r.ms;
    out[`tick_ms_${size}`] = r.ms;
    out[`due_${size}`] = r.candidates;
    out[`prepare_s_${size}`] = prepared;
    console.error(
      `  emails cron tick at ${size} contacts: ${r.ms} ms for ${r.candidates} due (prepared in ${prepared} s)`,
    );
  }
  out.ratio_largest_to_smallest = Math.round((Number(out[`tick_ms_${have}`]) / first) * 100) / 100;
  out.pass_flat = Number(out.ratio_largest_to_smallest) <= 2;
  await ctx.d1.prepare("delete from email_messages where trigger_id = ?").bind(triggerId).run();
  await ctx.d1.prepare("delete from email_triggers where id = ?").bind(triggerId).run();
  await ctx.d1.batch([
    ctx.d1.prepare("delete from email_profiles where contact_id like 'ct_bench%'"),
    ctx.d1.prepare("delete from contacts where id like 'ct_bench%'"),
  ]);
  return out;
}

async function tenThousandSends(ctx: BenchContext) {
  const key = `bulk-${run}`;
  const q = `with recursive d(n) as (select 1 union all select n + 1 from d where n < ${SENDS})`;
  await ctx.d1
    .prepare(`${q} insert into email_messages (id, idempotency_key, topic, to_address, subject, html, text, state, send_after)
      select 'em_${key}_' || printf('%05d', n), '${key}:' || n, 'transactional', 'r' || n || '@example.com',
        'Receipt ' || n, '<p>Thanks</p>', 'Thanks', 'queued', 0 from d`)
    .run();
  const tpl = await one<{ id: string }>(ctx.d1, "select id from email_templates limit 1");
  const t0 = performance.now();
  // Two test sends: each kicks a dispatch, and the two race over the same 10,000 rows, so
  // every message is offered to the consumer twice.
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${ctx.url}/api/v1/emails/templates/${tpl.id}/test`, {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
      body: JSON.stringify({ to: `bench-test-${i}@example.com` }),
    });
    await res.text();
  }
  const counts = async () =>
    one<{ sent: number; other: number; claims: number; dupes: number }>(
      ctx.d1,
      `select sum(state = 'sent') as sent, sum(state != 'sent') as other, sum(attempts) as claims,
        sum(attempts > 1) as dupes from email_messages where idempotency_key like ?`,
      `${key}:%`,
    );
  let c = await counts();
  for (let waited = 0; c.sent < SENDS && waited < 180_000; waited += 500) {
    await sleep(500);
    c = await counts();
  }
  const seconds = (performance.now() - t0) / 1000;
  await ctx.d1.prepare("delete from email_messages where idempotency_key like ?").bind(`${key}:%`).run();
  return {
    sends: SENDS,
    sent: c.sent,
    lost: SENDS - c.sent,
    duplicates: c.claims - c.sent,
    sends_per_s: Math.round(c.sent / seconds),
    pass: c.sent === SENDS && c.claims === c.sent,
  };
}

export const suite: BenchSuite = {
  scenarios: [
    {
      name: "emails: POST /v1/batch (100 events per call)",
      method: "POST",
      path: "/v1/batch",
      headers: {},
      body: batchBody,
      before: async (ctx) => {
        // Segment's write key: the API key as the Basic username.
        const s = suite.scenarios[0];
        s.headers = { "content-type": "application/json", authorization: `Basic ${btoa(`${ctx.key}:`)}` };
      },
      after: async (_ctx, sent) => ({ events_per_s: Math.round((sent.requests * 100) / SECONDS) }),
    },
    {
      // The load is the no-op; the numbers that matter are the cron ticks measured after it.
      name: "emails cron tick: absence trigger, 1,000 due, at 10k / 100k / 1M contacts",
      path: "/api/v1/ping",
      after: (ctx) => cronTicks(ctx),
    },
    {
      name: "emails: 10,000 sends through queue and outbox (each offered twice)",
      path: "/api/v1/ping",
      after: (ctx) => tenThousandSends(ctx),
    },
  ],
};
