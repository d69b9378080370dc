// Delivering a notification: email through the emails capability, or a signed webhook.
import { emailStatements, kickEmails, type OutgoingEmail } from "../emails/index.ts";
import { type Db, runBatch } from "../lib/db.ts";
import { MAX_DELIVERY_ATTEMPTS, postWebhook } from "../lib/webhooks.ts";
import { confirmationEmail, emailFor, noticeWebhookBody } from "./notices.ts";
import { getNotice, getNotification, markSent, noteAttempt, sentStatement } from "./store/notifications.ts";
import { subscriberToken } from "./subscriptions.ts";

export type DeliverOutcome = "sent" | "retry" | "failed" | "skipped";

type Delivery = NonNullable<Awaited<ReturnType<typeof getNotification>>>;
type StoredNotice = Awaited<ReturnType<typeof getNotice>>;
type Deliver = (env: Env, db: Db, row: Delivery, notice: StoredNotice | null, now: number) => Promise<DeliverOutcome>;

/** The email of a notice, or the double opt-in email when there is none. */
const deliverEmail: Deliver = async (env, db, row, notice, now) => {
  if (!row.email) return "skipped";
  const base = env.PUBLIC_URL.replace(/\/$/, "");
  const link = async (purpose: "confirm" | "unsubscribe") =>
    `${base}/status/${row.p.slug}/${purpose}/${await subscriberToken(env.SIGNING_SECRET, purpose, row.s.id)}`;
  const unsub = await link("unsubscribe");
  const content = notice
    ? emailFor(row.p, base, `[${row.p.name}] ${notice.subject}`, notice.text, unsub)
    : confirmationEmail(row.p, base, await link("confirm"), unsub);
  const email: OutgoingEmail = {
    to: row.email,
    contactId: row.s.contactId ?? undefined,
    ...content,
    topic: notice ? "status_notifications" : "transactional",
    idempotencyKey: `status:${row.n.id}`,
  };
  const queued = emailStatements(db, [email]);
  if (!queued.length) {
    // No email capability to take it yet: keep it pending; the cron backstop offers it again.
    await noteAttempt(db, row.n.id, { lastError: "waiting for the emails capability" }, now);
    return "skipped";
  }
  await runBatch(db, [...queued, sentStatement(db, row.n.id, now)]);
  await kickEmails(env);
  return "sent";
};

/** A signed POST; the URL is checked again as it is sent, and a refused one fails at once. */
const deliverWebhook: Deliver = async (env, db, row, notice, now) => {
  const id = row.n.id;
  const body = noticeWebhookBody(row.p, notice, now);
  const { status, error, refused } =
    row.s.url && row.s.secret && row.s.confirmedAt
      ? await postWebhook(
          env,
          { url: row.s.url, secret: row.s.secret },
          { id, body, userAgent: "Rapport-Status/1" },
          now,
        )
      : { status: null, error: "refused: the subscription is not confirmed", refused: true };
  if (status !== null && status >= 200 && status < 300) {
    await markSent(db, id, now);
    return "sent";
  }
  const attempts = row.n.attempts + 1;
  const failed = refused || attempts >= MAX_DELIVERY_ATTEMPTS;
  await noteAttempt(
    db,
    id,
    { attempts, state: failed ? "failed" : "pending", lastError: error ?? `HTTP ${status}` },
    now,
  );
  return failed ? "failed" : "retry";
};

/**
 * Delivers one notification. Email goes through the emails capability (`emailStatements`, in the
 * same batch that marks it sent; its idempotency key is the notification id). Webhooks are
 * signed with Standard Webhooks and retried with backoff by the queue.
 */
export async function deliverNotification(env: Env, db: Db, id: string, now: number): Promise<DeliverOutcome> {
  const row = await getNotification(db, id);
  if (row?.n.state !== "pending" || row.s.unsubscribedAt) return "skipped";
  const confirm = row.n.noticeId.startsWith("confirm:");
  const notice = confirm ? null : await getNotice(db, row.n.noticeId);
  if (!confirm && !notice) return "skipped";
  return row.s.kind === "email" ? deliverEmail(env, db, row, notice, now) : deliverWebhook(env, db, row, notice, now);
}
