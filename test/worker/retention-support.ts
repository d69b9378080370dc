// What the retention tests share: a world with every kind of raw row, its figures, the cron tick
// that starts a retention run, and the archive read back with node:zlib.

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { gunzipSync } from "node:zlib";
import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { emailMessages, emailTriggers } from "../../db/schema/index.ts";
import { deliverMessage } from "../../worker/emails/deliver.ts";
import { EVAL_LAG_MS, evaluateTrigger } from "../../worker/emails/evaluate.ts";
import { recordOpen } from "../../worker/emails/store/engagement.ts";
import worker from "../../worker/index.ts";
import { idTime } from "../../worker/lib/ids.ts";
import { call, db, eventually, newKey } from "./helpers.ts";
import { convert, enroll, newProgram } from "./referrals-support.ts";

const DAY = 86_400_000;
export const uid = () => crypto.randomUUID().slice(0, 8);
const sendEnv = { ...env, EMAIL_QUIET_HOURS: "off" };

/** The first minute-17 tick (when cron starts a retention run) at least `days` from now. */
type RetentionRun = {
  id: string;
  finishedAt: number | null;
  pruned: Record<string, number>;
  archived: Record<string, number>;
  error: string | null;
};

export function tickIn(days: number) {
  const t = Math.floor((Date.now() + days * DAY) / 3_600_000) * 3_600_000 + 17 * 60_000;
  return t;
}

/** Fires the cron tick at `at` and waits for the retention run it starts to finish. */
export async function retentionAt(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
  const key = await newKey(["read"]);
  return eventually(async () => {
    const res = await call("/api/v1/jobs/retention-runs?limit=200", { key });
    const { data } = (await res.json()) as { data: RetentionRun[] };
    return data.find((r) => r.id === `ret_${idTime(at)}` && r.finishedAt);
  }, 20_000);
}

/** Every row of every archive object under `prefix`, read with node:zlib and JSON.parse per line. */
export async function archived(prefix = "archive/") {
  const rows: Array<{ key: string; row: Record<string, unknown> }> = [];
  let cursor: string | undefined;
  do {
    const page = await env.ARCHIVE.list({ prefix, cursor });
    for (const o of page.objects) {
      const body = await env.ARCHIVE.get(o.key);
      const text = gunzipSync(Buffer.from(await (body as R2ObjectBody).arrayBuffer())).toString("utf8");
      for (const line of text.split("\n").filter(Boolean)) rows.push({ key: o.key, row: JSON.parse(line) });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return rows;
}

async function json(path: string, key: string) {
  const res = await call(path, { key });
  expect(res.status, path).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Segment calls through the ingestion API. */
export async function track(key: string, batch: unknown[], context: unknown = {}) {
  const res = await call("/v1/batch", { method: "POST", key, json: { context, batch } });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** A world with clicks, attributions, events, a trigger's sent, opened and converted messages. */
export async function world() {
  const admin = await newKey(["admin"]);
  const ingest = await newKey(["emails"]);
  const now = Date.now();
  // Referrals: clicks from three visitors (one twice: a flagged repeat), two sources, one sign-up.
  const program = await newProgram(admin);
  const referrer = await enroll(admin, program.id, { id: `ref-${uid()}`, email: `ref-${uid()}@example.com` });
  const clicks = [
    ["198.51.100.1", "newsletter"],
    ["198.51.100.1", "newsletter"],
    ["198.51.100.2", "newsletter"],
    ["198.51.100.3", null],
  ] as const;
  for (const [ip, source] of clicks) {
    const res = await call(`/r/${referrer.code}${source ? `?utm_source=${source}` : ""}`, {
      headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "cf-connecting-ip": ip },
    });
    expect(res.status).toBe(302);
  }
  await eventually(async () => {
    const [r] = await db().all<{ n: number }>(
      sql`SELECT count(*) AS n FROM referral_clicks WHERE program_id = ${program.id}`,
    );
    return r.n === clicks.length;
  });
  expect((await convert(admin, { event: "signup", code: referrer.code, customer: { id: `c-${uid()}` } })).status).toBe(
    201,
  );

  // Emails: a trigger on `started`, converting on `purchased` within 7 days; two contacts enter.
  const goal = `purchased_${uid()}`;
  const entry = `started_${uid()}`;
  const template = await call("/api/v1/emails/templates", {
    method: "POST",
    key: admin,
    json: { name: "Nudge", subject: "Hi", html: '<p><a href="https://shop.example.com/x">Go</a></p>', text: "Hi" },
  });
  const templateId = ((await template.json()) as { id: string }).id;
  const t = await call("/api/v1/emails/triggers", {
    method: "POST",
    key: admin,
    json: {
      name: `retention ${uid()}`,
      templateId,
      entry: { kind: "event", event: entry },
      conversion: { event: goal, withinDays: 7 },
    },
  });
  expect(t.status, await t.clone().text()).toBe(201);
  const triggerId = ((await t.json()) as { id: string }).id;
  const users = [`u1-${uid()}`, `u2-${uid()}`];
  for (const u of users) {
    await track(
      ingest,
      [
        { type: "track", userId: u, event: "login", messageId: `${u}-l`, timestamp: new Date(now - DAY).toISOString() },
        { type: "track", userId: u, event: entry, messageId: `${u}-in` },
      ],
      { consent: { categoryPreferences: { marketing: true } }, traits: { email: `${u}@example.com` } },
    );
  }
  const [trigger] = await db().select().from(emailTriggers).where(eq(emailTriggers.id, triggerId));
  await evaluateTrigger(db(), trigger, Date.now() + EVAL_LAG_MS + 1000);
  // Sent now rather than when the evaluation (30 s ahead) allowed, so the purchase comes after the send.
  const sentAt = Date.now();
  await db().update(emailMessages).set({ sendAfter: sentAt }).where(eq(emailMessages.triggerId, triggerId));
  // Delivered here or by the queue the evaluation kicked, whichever claims each first.
  for (const m of await db().select().from(emailMessages).where(eq(emailMessages.triggerId, triggerId))) {
    await deliverMessage(sendEnv, m.id, sentAt);
  }
  const messages = await eventually(async () => {
    const rows = await db().select().from(emailMessages).where(eq(emailMessages.triggerId, triggerId));
    return rows.length === 2 && rows.every((m) => m.state === "sent") && rows;
  });
  // The first opens its message and buys an hour after the send: a conversion.
  await recordOpen(db(), messages[0].id, sentAt);
  const buyer = messages[0].contactId as string;
  const buyerUser = users.find((u) => messages[0].toAddress?.startsWith(u)) as string;
  await track(ingest, [
    {
      type: "track",
      userId: buyerUser,
      event: goal,
      properties: { amount: 40 },
      messageId: `${buyerUser}-buy`,
    },
  ]);
  return { admin, ingest, program, referrer, triggerId, buyer, buyerUser, messages };
}

export type World = Awaited<ReturnType<typeof world>>;

/** Every figure of the world the console and the API show. */
export async function figures(w: World) {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10);
  const stats = await json(`/api/v1/programs/${w.program.id}/stats?from=${from}&to=${today}`, w.admin);
  const referrers = (await json(`/api/v1/programs/${w.program.id}/referrers`, w.admin)) as {
    data: Array<Record<string, unknown>>;
  };
  const trigger = await json(`/api/v1/emails/triggers/${w.triggerId}`, w.admin);
  const kpis = await json("/api/v1/kpis", w.admin);
  // The buyer's events per UTC day, as items or (past the events window) as activity days.
  const timeline = (await json(`/api/v1/contacts/${w.buyer}/timeline?limit=100`, w.admin)) as {
    data: Array<{ kind: string; at: number; events?: number }>;
  };
  const perDay: Record<string, number> = {};
  for (const i of timeline.data) {
    const day = new Date(i.at).toISOString().slice(0, 10);
    if (i.kind === "event") perDay[day] = (perDay[day] ?? 0) + 1;
    if (i.kind === "activity") perDay[day] = (perDay[day] ?? 0) + (i.events ?? 0);
  }
  return {
    stats,
    referrers: referrers.data.map((r) => ({ id: r.id, clicks: r.clicks, signups: r.signups })),
    trigger: trigger.metrics,
    kpis: kpis.kpis ?? kpis,
    timeline: perDay,
  };
}
