// What the crash tests share: a Worker killed with SIGKILL mid-delivery and started again on the
// same local D1, and what each recipient got from the provider, against the stated guarantee.
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { like } from "drizzle-orm";
import { Miniflare } from "miniflare";
import PostalMime from "postal-mime";
import { expect } from "vitest";
import { compatibilityDate, databaseId } from "../../db/local.ts";
import * as schema from "../../db/schema/index.ts";
import { emailStatements } from "../../worker/emails/index.ts";
import { type Db, getDb, runBatch } from "../../worker/lib/db.ts";
import { emlFiles } from "./email-binding.ts";
import { type LocalRapport, workerTmp } from "./local-rapport.ts";

/** Runs `work` on the local D1 under `state` (while no Worker runs on it). */
export async function withD1<T>(state: string, work: (db: Db) => Promise<T>) {
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

export const crashAddress = (prefix: string, i: number) => `${prefix}-${String(i).padStart(3, "0")}@example.com`;

/**
 * Queues `count` transactional emails to `crashAddress(prefix, i)` as other capabilities queue
 * them, due long ago so that cron's sweep sends them at once. Only while no Worker runs on `state`.
 */
export const queueDueEmails = (state: string, prefix: string, count: number) =>
  withD1(state, async (db) => {
    const emails = Array.from({ length: count }, (_, i) => ({
      to: crashAddress(prefix, i),
      subject: `Crash test ${i}`,
      html: `<p>Message ${i}</p>`,
      text: `Message ${i}`,
      topic: "transactional" as const,
      idempotencyKey: `${prefix}:${i}`,
    }));
    await runBatch(db, emailStatements(db, emails));
    await db
      .update(schema.emailMessages)
      .set({ sendAfter: 0 })
      .where(like(schema.emailMessages.idempotencyKey, `${prefix}:%`));
  });

/** The admin API of `rapport` at its current address. */
export async function api<T>(rapport: LocalRapport, path: string, init: RequestInit = {}, key = rapport.key) {
  const res = await fetch(`${rapport.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export const outboxCounts = async (rapport: LocalRapport) =>
  (await api<{ counts: Record<string, number> }>(rapport, "/api/v1/emails/messages?limit=1")).counts;

type Row = { toAddress: string | null; state: string; maybeDuplicate: boolean };

/** Every message of the outbox, as the outbox API lists them. */
export async function outboxRows(rapport: LocalRapport): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = "";
  while (cursor !== null) {
    const page: { data: Row[]; nextCursor: string | null } = await api(
      rapport,
      `/api/v1/emails/messages?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    rows.push(...page.data);
    cursor = page.nextCursor;
  }
  return rows;
}

export const crashLog = (s: string) =>
  process.env.CRASH_TEST_LOG && process.stderr.write(`${new Date().toISOString()} ${s}\n`);

/** How many messages the local D1 under `state` holds claimed and not settled, read from its SQLite file. */
function sendingIn(state: string): number {
  const dir = join(state, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database in ${dir}`);
  const db = new DatabaseSync(join(dir, file), { readOnly: true });
  try {
    return Number(db.prepare("select count(*) as n from email_messages where state = 'sending'").get()?.n);
  } finally {
    db.close();
  }
}

/**
 * Kills `rapport` in the middle of a send. A provider as quick as the local binding keeps a claim
 * open for milliseconds, which a kill at a random moment misses: its D1 is read until it shows
 * claims in flight, then the Worker is frozen (SIGSTOP) and killed if they still are (as a crash at
 * that instant leaves them), or thawed to go on.
 */
export async function killWhileSending(rapport: LocalRapport) {
  const caught = () => {
    if (sendingIn(rapport.state) === 0) return false;
    rapport.freeze(true);
    if (sendingIn(rapport.state) > 0) return true;
    rapport.freeze(false);
    return false;
  };
  await expect.poll(caught, { timeout: 30_000, interval: 1, message: "never caught a send in flight" }).toBe(true);
  await rapport.crash();
}

/**
 * Kills `rapport` with `kill` (by default once the provider has been handed a fifth of `total`
 * messages, `handed`), starts it again with `vars`, and waits until cron and the stale sweep have
 * settled every message (none queued, sending or deferred). `onCrash` runs right after the kill,
 * `onRestart` right after the start.
 */
export async function crashMidDelivery(
  rapport: LocalRapport,
  total: number,
  handed: () => Promise<number> | number,
  opts: {
    vars?: Record<string, string>;
    kill?: () => Promise<void>;
    onCrash?: () => Promise<void>;
    onRestart?: () => Promise<void>;
  } = {},
) {
  const kill = async () => {
    await expect.poll(handed, { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(total / 5);
    await rapport.crash();
  };
  await (opts.kill ?? kill)();
  await opts.onCrash?.();
  const atCrash = await handed();
  crashLog(`crashed at ${atCrash} of ${total} emails`);
  expect(atCrash).toBeLessThan(total);

  await rapport.restart(opts.vars);
  const afterRestart = await outboxCounts(rapport);
  crashLog(`restarted: ${JSON.stringify(afterRestart)}`);
  // The kill left claims in flight, which only the stale sweep can settle.
  expect(afterRestart.sending ?? 0).toBeGreaterThan(0);
  await opts.onRestart?.();

  await expect
    .poll(
      async () => {
        const c = await outboxCounts(rapport);
        return (c.queued ?? 0) + (c.sending ?? 0) + (c.deferred ?? 0);
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(0);
  crashLog(`settled: ${JSON.stringify(await outboxCounts(rapport))}, ${await handed()} handed to the provider`);
}

/** How many messages each address got, from the recipients of each message the provider was handed. */
export function tally(recipients: string[]): Map<string, number> {
  const got = new Map<string, number>();
  for (const to of recipients) got.set(to, (got.get(to) ?? 0) + 1);
  return got;
}

/** The recipients of every message the local `send_email` binding of `rapport` was handed. */
export async function bindingRecipients(rapport: LocalRapport): Promise<string[]> {
  const files = await emlFiles(workerTmp(rapport.state));
  const mails = await Promise.all(files.map(async (f) => PostalMime.parse(await readFile(f))));
  return mails.flatMap((m) => (m.to ?? []).flatMap((a) => (a.address ? [a.address] : [])));
}

/** At-most-once: no one got a message twice, sent means received once, anything else ends `unknown`. */
export function expectAtMostOnce(rows: Row[], got: Map<string, number>) {
  expect([...got.values()].filter((n) => n > 1)).toEqual([]);
  for (const row of rows) {
    const received = got.get(row.toAddress ?? "") ?? 0;
    if (row.state === "sent") expect(received, `${row.toAddress} sent`).toBe(1);
    else expect(row.state, `${row.toAddress} received ${received}`).toBe("unknown");
  }
  // The kill left sends of unknown outcome: marked so, never sent again.
  expect(rows.some((r) => r.state === "unknown")).toBe(true);
}

/** At-least-once: everyone got the message, and whoever got it twice is shown as a possible duplicate. */
export function expectAtLeastOnce(rows: Row[], got: Map<string, number>) {
  for (const row of rows) {
    const received = got.get(row.toAddress ?? "") ?? 0;
    expect(row.state, `${row.toAddress}`).toBe("sent");
    expect(received, `${row.toAddress} received`).toBeGreaterThanOrEqual(1);
    if (received > 1) expect(row.maybeDuplicate, `${row.toAddress} received ${received}`).toBe(true);
  }
  // The kill left sends of unknown outcome, sent again and flagged.
  expect(rows.some((r) => r.maybeDuplicate)).toBe(true);
}
