// The queue consumer's work for one message: decide again, render, claim, send.
import { CONSENT_TOPICS, type ConsentTopic } from "../../db/schema/index.ts";
import { type Db, getDb } from "../lib/db.ts";
import { consents } from "./consent.ts";
import { type Provider, ProviderError, providerFor } from "./delivery/index.ts";
import { capFreesAt, isTimeZone, parseQuietHours, quietUntil, weeklyCap } from "./policy.ts";
import { addTracking, renderTemplate, templateVars } from "./render.ts";
import { baseUrl, preferencesUrl, unsubscribeUrl } from "./signing.ts";
import {
  type Composed,
  claimMessage,
  type DeliveryRow,
  deferUnsent,
  didSince,
  finishUnsent,
  loadMessage,
  marketingSentTimes,
  markSendFailed,
  markSent,
} from "./store/delivery.ts";
import { suppressionOf } from "./store/suppressions.ts";
import { atLeastOnce, type Settled, settleStale, settleUncertainError, staleSendingMs } from "./uncertain.ts";

export const MAX_SEND_ATTEMPTS = 8;
/** While an incident pauses marketing, look again this often (its end makes deferred mail due at once). */
const INCIDENT_RECHECK_MS = 5 * 60_000;

export type DeliverResult =
  | { outcome: "sent" | "deferred" | "skipped" | "suppressed" | "noop" | "failed" | "unknown"; reason?: string }
  | { outcome: "retry"; delaySeconds: number; reason?: string };

const retryDelaySeconds = (attempt: number) => Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));

/** Whether the trigger's exit event happened since the contact entered. */
async function exited(db: Db, row: DeliveryRow): Promise<boolean> {
  const exitEvent = (row.trigger?.rule as { exit?: { event?: string } } | null)?.exit?.event;
  const enteredAt = Number((row.body?.context as { enteredAt?: number } | null)?.enteredAt ?? row.m.createdAt);
  if (!exitEvent || !row.m.contactId) return false;
  return didSince(db, row.m.contactId, exitEvent, enteredAt);
}

/** Why the message must not go now: a final decision, a deferral, or null to send. */
async function gate(
  db: Db,
  env: Env,
  row: DeliveryRow,
  address: string | null,
  now: number,
): Promise<
  | { kind: "skip"; state: "skipped" | "suppressed"; reason: string }
  | { kind: "defer"; reason: "capped" | "quiet_hours" | "incident"; until: number }
  | null
> {
  const { m, profile } = row;
  if (!address) return { kind: "skip", state: "skipped", reason: "no_address" };
  const suppressed = await suppressionOf(db, address);
  if (suppressed) return { kind: "skip", state: "suppressed", reason: suppressed };
  if (m.topic !== "transactional") {
    if (profile?.unsubscribedAt) return { kind: "skip", state: "suppressed", reason: "unsubscribed" };
    const consentTopic = m.topic as ConsentTopic;
    if (CONSENT_TOPICS.includes(consentTopic) && !consents(profile, consentTopic)) {
      return { kind: "skip", state: "skipped", reason: "no_consent" };
    }
  }
  if (m.triggerId && !row.trigger?.enabled) return { kind: "skip", state: "skipped", reason: "trigger_off" };
  if (await exited(db, row)) return { kind: "skip", state: "skipped", reason: "exited" };
  if (m.topic === "marketing" && row.marketingPaused) {
    return { kind: "defer", reason: "incident", until: now + INCIDENT_RECHECK_MS };
  }
  if (m.topic === "marketing" || m.topic === "product_updates") {
    const tz = row.contact?.timezone && isTimeZone(row.contact.timezone) ? row.contact.timezone : defaultTz(env);
    const until = quietUntil(now, tz, parseQuietHours(env.EMAIL_QUIET_HOURS));
    if (until) return { kind: "defer", reason: "quiet_hours", until };
  }
  if (m.topic === "marketing" && m.contactId) {
    const until = capFreesAt(await marketingSentTimes(db, m.contactId, now), weeklyCap(env), now);
    if (until) return { kind: "defer", reason: "capped", until };
  }
  return null;
}

const defaultTz = (env: Env) =>
  env.EMAIL_DEFAULT_TIMEZONE && isTimeZone(env.EMAIL_DEFAULT_TIMEZONE) ? env.EMAIL_DEFAULT_TIMEZONE : "UTC";

/** Subject, bodies, headers and tracked links of the message as it will leave. */
async function compose(env: Env, row: DeliveryRow, address: string): Promise<Composed> {
  const { m, body } = row;
  const unsub = await unsubscribeUrl(env, m.id);
  const prefs = m.contactId ? await preferencesUrl(env, m.contactId) : null;
  let parts = { subject: m.subject ?? "", html: body?.html ?? "", text: body?.text ?? "" };
  if ((body?.html ?? null) === null && row.template) {
    const ctx = (body?.context ?? {}) as Record<string, unknown>;
    parts = await renderTemplate(
      row.template,
      templateVars(row.contact ? { ...row.contact, email: address } : null, {
        event: ctx.event,
        trigger: row.trigger ? { id: row.trigger.id, name: row.trigger.name } : null,
        unsubscribeUrl: unsub,
        preferencesUrl: prefs,
      }),
    );
  }
  let links: Array<{ id: string; url: string }> = [];
  if (m.topic !== "transactional") {
    let n = 0;
    // Link ids follow the message, so a second render after a lost claim makes the same ones.
    const tracked = await addTracking(parts.html, {
      messageId: m.id,
      base: baseUrl(env),
      secret: env.SIGNING_SECRET,
      newLinkId: () => `lk_${m.id.slice(3)}_${n++}`,
    });
    parts.html = tracked.html;
    links = tracked.links;
  }
  const headers: Record<string, string> = {
    "List-Unsubscribe": `<${unsub}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "X-Rapport-Message-Id": m.id,
  };
  return { ...parts, headers, links };
}

/**
 * Delivers outbox message `id` at most once. Every check runs again here (consent,
 * suppression, exit, incident, quiet hours, cap) because time has passed since it was queued;
 * the row is then claimed by a conditional UPDATE, so a redelivered queue message finds it
 * taken and does nothing.
 */
export async function deliverMessage(
  env: Env,
  id: string,
  now = Date.now(),
  provider: Provider | null = providerFor(env),
): Promise<DeliverResult> {
  const db = getDb(env.DB);
  let row = await loadMessage(db, id);
  if (row?.m.state === "sending" && (row.m.claimedAt ?? 0) <= now - staleSendingMs(env)) {
    const settled = await settleStale(env, db, provider, row.m, now);
    if (settled !== "requeued") return settledResult(settled);
    row = await loadMessage(db, id);
  }
  if (!row || (row.m.state !== "queued" && row.m.state !== "deferred") || row.m.sendAfter > now) {
    return { outcome: "noop" };
  }
  const address = row.m.toAddress ?? row.contact?.email ?? null;
  const verdict = await gate(db, env, row, address, now);
  if (verdict?.kind === "skip") {
    await finishUnsent(db, id, verdict.state, verdict.reason, now);
    return { outcome: verdict.state, reason: verdict.reason };
  }
  if (verdict?.kind === "defer") {
    await deferUnsent(db, id, verdict.reason, verdict.until, now);
    return { outcome: "deferred", reason: verdict.reason };
  }
  const mail = await compose(env, row, address as string);
  const attempt = await claimMessage(
    db,
    id,
    { provider: provider?.name ?? null, address: address as string, mail, cap: weeklyCap(env) },
    now,
  );
  if (attempt === null) return { outcome: "noop", reason: "claimed elsewhere" };
  if (!provider) return { outcome: "sent" };
  return send(env, db, provider, row, { to: address as string, mail, attempt }, now);
}

const settledResult = (s: Exclude<Settled, "requeued">): DeliverResult =>
  s === "sent" || s === "unknown" ? { outcome: s } : { outcome: "noop", reason: s };

/**
 * Hands the claimed message to the provider and records `sent` as soon as it has accepted it. A
 * failure is retried later or, at last, parked; one that may have delivered it all the same is
 * settled without sending blindly again.
 */
async function send(
  env: Env,
  db: Db,
  provider: Provider,
  row: DeliveryRow,
  s: { to: string; mail: Composed; attempt: number },
  now: number,
): Promise<DeliverResult> {
  const id = row.m.id;
  try {
    const accepted = await provider.send({
      from: env.EMAIL_FROM || "Rapport <hello@rapport.localhost>",
      to: s.to,
      subject: s.mail.subject,
      html: s.mail.html,
      text: s.mail.text,
      headers: s.mail.headers,
      idempotencyKey: row.m.idempotencyKey,
    });
    await markSent(db, id, accepted.id, Date.now());
    // What follows acceptance (SMTP's QUIT) changes nothing about the message.
    await accepted.after?.catch(() => {});
    return { outcome: "sent" };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
    const uncertain = e instanceof ProviderError && e.uncertain;
    if (uncertain) {
      const claim = { id, claimedAt: now, provider: provider.name };
      const settled = await settleUncertainError(env, db, provider, claim, error, Date.now());
      if (settled !== "retry") return { ...settledResult(settled), reason: error };
    }
    const final = s.attempt >= MAX_SEND_ATTEMPTS || (e instanceof ProviderError && !e.retryable);
    const delaySeconds = retryDelaySeconds(s.attempt);
    const sendAfter = final ? now : now + delaySeconds * 1000;
    const maybeDuplicate = uncertain && !provider.dedupes && atLeastOnce(env);
    await markSendFailed(db, id, { error, final, sendAfter, maybeDuplicate }, Date.now());
    if (final) {
      // Parked where people look for failed work (the console's dead letters).
      await env.DLQ.send({ reason: "email-failed", messageId: id, to: s.to, error });
      return { outcome: "failed", reason: error };
    }
    return { outcome: "retry", delaySeconds, reason: error };
  }
}
