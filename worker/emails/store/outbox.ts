// The outbox: queueing messages (for other capabilities and for triggers) and finding due work.
import { and, desc, eq, getTableColumns, gt, lt, lte, or, sql } from "drizzle-orm";
import { type EmailTopic, emailBodies, emailMessages } from "../../../db/schema/index.ts";
import { chunk, type Db, execBatch, insertChunks } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { OUTBOX_CURSOR } from "../schemas.ts";

export type QueuedEmail = {
  to?: string | null;
  contactId?: string | null;
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  topic: EmailTopic;
  idempotencyKey: string;
  triggerId?: string | null;
  templateId?: string | null;
  context?: Record<string, unknown> | null;
  confidence?: number | null;
  sendAfter?: number;
  state?: "queued" | "deferred" | "skipped";
  skipReason?: string | null;
  deferReason?: string | null;
};

/** Outbox rows for `emails` as batchable inserts; a repeated idempotency key changes nothing. */
export function outboxInserts(db: Db, emails: QueuedEmail[], now = Date.now()) {
  const rows = emails.map((e) => ({
    id: newId("em", now),
    idempotencyKey: e.idempotencyKey.slice(0, 300),
    contactId: e.contactId ?? null,
    triggerId: e.triggerId ?? null,
    templateId: e.templateId ?? null,
    topic: e.topic,
    toAddress: e.to?.trim().toLowerCase().slice(0, 320) ?? null,
    subject: e.subject?.slice(0, 998) ?? null,
    confidence: e.confidence ?? null,
    state: e.state ?? "queued",
    skipReason: e.skipReason ?? null,
    deferReason: e.deferReason ?? null,
    sendAfter: e.sendAfter ?? now,
    createdAt: now,
    updatedAt: now,
  }));
  const bodies = emails
    .map((e, i) => ({ id: rows[i].id, html: e.html ?? null, text: e.text ?? null, context: e.context ?? null }))
    .filter((b) => b.html !== null || b.text !== null || b.context !== null);
  return [...insertChunks(db, emailMessages, rows), ...bodyInserts(db, bodies)];
}

/**
 * The bodies of messages just inserted, as statements after their inserts: one JSON parameter per
 * 200 (any number of messages stays within D1's bound parameters); a message whose idempotency key
 * already existed was not inserted, so its body is not either.
 */
function bodyInserts(
  db: Db,
  bodies: Array<{ id: string; html: string | null; text: string | null; context: unknown }>,
) {
  return chunk(bodies, 200).map((part) =>
    db
      .insert(emailBodies)
      .select(
        sql`select b.value ->> 'id', b.value ->> 'html', b.value ->> 'text', null, nullif(b.value -> 'context', 'null')
          from json_each(${JSON.stringify(part)}) b where exists (select 1 from email_messages m where m.id = b.value ->> 'id')`,
      )
      .onConflictDoNothing(),
  );
}

/** Queues `emails` now (a repeated idempotency key changes nothing). */
export async function queueEmails(db: Db, emails: QueuedEmail[], now = Date.now()) {
  await execBatch(db, outboxInserts(db, emails, now));
}

/** Queued messages due now after id `after` (keyset), for a dispatch to fan out. */
export async function dueQueued(db: Db, now: number, after = "", limit = 1000): Promise<string[]> {
  const rows = await db
    .select({ id: emailMessages.id })
    .from(emailMessages)
    .where(and(eq(emailMessages.state, "queued"), lte(emailMessages.sendAfter, now), gt(emailMessages.id, after)))
    .orderBy(emailMessages.id)
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Cron backstop, the ids to deliver: deferred messages now due, queued messages whose queue send
 * was lost (not picked up a fifth of `staleMs` after they were due: 2 minutes by default), and
 * claims a stopped consumer left `sending` for `staleMs` (delivery settles those without sending
 * blindly again). Index range scans on (state, send_after).
 */
export async function sweepDue(db: Db, now: number, staleMs: number, limit = 5000): Promise<string[]> {
  const due = (state: "deferred" | "queued" | "sending", before: number, max: number) =>
    db
      .select({ id: emailMessages.id })
      .from(emailMessages)
      .where(and(eq(emailMessages.state, state), lte(emailMessages.sendAfter, before)))
      .limit(max);
  const [deferred, lost, stuck] = await db.batch([
    due("deferred", now, limit),
    due("queued", now - staleMs / 5, limit),
    due("sending", now - staleMs, limit),
  ]);
  return [...deferred, ...lost, ...stuck].map((r) => r.id);
}

/** Counts by state, for the console and tests. */
export async function outboxCounts(db: Db) {
  const rows = await db
    .select({ state: emailMessages.state, n: sql<number>`count(*)` })
    .from(emailMessages)
    .groupBy(emailMessages.state);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** The outbox's keyset cursor: a row's creation time and id, so pages follow time, not ids. */
export const outboxCursor = (m: { createdAt: number; id: string }) => `${m.createdAt}.${m.id}`;

/** Messages newest first (by creation time, then id), after `cursor` when given. */
export async function listMessages(
  db: Db,
  q: { limit: number; cursor?: string; state?: string; triggerId?: string; contactId?: string },
) {
  const m = emailMessages;
  const after = q.cursor ? OUTBOX_CURSOR.exec(q.cursor) : null;
  const at = Number(after?.[1]);
  return db
    .select({
      id: m.id,
      contactId: m.contactId,
      triggerId: m.triggerId,
      topic: m.topic,
      toAddress: m.toAddress,
      subject: m.subject,
      state: m.state,
      skipReason: m.skipReason,
      deferReason: m.deferReason,
      confidence: m.confidence,
      attempts: m.attempts,
      sendAfter: m.sendAfter,
      provider: m.provider,
      lastError: m.lastError,
      maybeDuplicate: m.maybeDuplicate,
      createdAt: m.createdAt,
      sentAt: m.sentAt,
      openedAt: m.openedAt,
      clickedAt: m.clickedAt,
    })
    .from(m)
    .where(
      and(
        after ? or(lt(m.createdAt, at), and(eq(m.createdAt, at), lt(m.id, after[2]))) : undefined,
        q.state ? eq(m.state, q.state as (typeof m.$inferSelect)["state"]) : undefined,
        q.triggerId ? eq(m.triggerId, q.triggerId) : undefined,
        q.contactId ? eq(m.contactId, q.contactId) : undefined,
      ),
    )
    .orderBy(desc(m.createdAt), desc(m.id))
    .limit(q.limit + 1);
}

export async function getMessage(db: Db, id: string) {
  const [row] = await messagesWithBodies(db).where(eq(emailMessages.id, id));
  return row;
}

/** Messages with their bodies as one row each (bodies null once retention removed them). */
export function messagesWithBodies(db: Db) {
  const b = emailBodies;
  return db
    .select({ ...getTableColumns(emailMessages), html: b.html, text: b.text, headers: b.headers, context: b.context })
    .from(emailMessages)
    .leftJoin(b, eq(b.messageId, emailMessages.id));
}
