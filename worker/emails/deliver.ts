// The queue consumer's work for one message: decide again, render, claim, send.
import { and, eq, gt, inArray, sql } from "drizzle-orm";
import {
  CONSENT_TOPICS,
  type ConsentTopic,
  contactEventStats,
  contacts,
  emailLinks,
  emailMessages,
  emailProfiles,
  emailSuppressions,
  emailTemplates,
  emailTriggers,
} from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { getDb, insertChunks, runBatch } from "../lib/db.ts";
import { consents } from "./consent.ts";
import { type Provider, ProviderError, providerFor } from "./delivery/index.ts";
import { capFreesAt, isTimeZone, parseQuietHours, quietUntil, WEEK } from "./policy.ts";
import { addTracking, renderTemplate, templateVars } from "./render.ts";
import { addressHash, baseUrl, preferencesUrl, signLink, unsubscribeUrl } from "./signing.ts";

export const MAX_SEND_ATTEMPTS = 8;
/** While an incident pauses marketing, look again this often. */
const INCIDENT_RECHECK_MS = 5 * 60_000;

export type DeliverResult =
  | { outcome: "sent" | "deferred" | "skipped" | "suppressed" | "noop" | "failed"; reason?: string }
  | { outcome: "retry"; delaySeconds: number; reason?: string };

type Row = NonNullable<Awaited<ReturnType<typeof loadMessage>>>;

async function loadMessage(db: Db, id: string) {
  const [row] = await db
    .select({
      m: emailMessages,
      contact: contacts,
      profile: emailProfiles,
      trigger: emailTriggers,
      template: emailTemplates,
    })
    .from(emailMessages)
    .leftJoin(contacts, eq(contacts.id, emailMessages.contactId))
    .leftJoin(emailProfiles, eq(emailProfiles.contactId, emailMessages.contactId))
    .leftJoin(emailTriggers, eq(emailTriggers.id, emailMessages.triggerId))
    .leftJoin(emailTemplates, eq(emailTemplates.id, emailMessages.templateId))
    .where(eq(emailMessages.id, id));
  return row;
}

const retryDelaySeconds = (attempt: number) => Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));

/** Ends a message without sending; only from queued or deferred, so a sent message is never touched. */
function finish(db: Db, id: string, state: "skipped" | "suppressed", reason: string, now: number) {
  return db
    .update(emailMessages)
    .set({ state, skipReason: reason, updatedAt: now })
    .where(and(eq(emailMessages.id, id), inArray(emailMessages.state, ["queued", "deferred"])));
}

function defer(db: Db, id: string, reason: "capped" | "quiet_hours" | "incident", until: number, now: number) {
  return db
    .update(emailMessages)
    .set({
      state: "deferred",
      deferReason: reason,
      sendAfter: until,
      updatedAt: now,
      ...(reason === "capped" ? { wasCapped: true } : {}),
    })
    .where(and(eq(emailMessages.id, id), inArray(emailMessages.state, ["queued", "deferred"])));
}

/** Whether the trigger's exit event happened since the contact entered. */
async function exited(db: Db, row: Row): Promise<boolean> {
  const exitEvent = (row.trigger?.rule as { exit?: { event?: string } } | null)?.exit?.event;
  const enteredAt = Number((row.m.context as { enteredAt?: number } | null)?.enteredAt ?? row.m.createdAt);
  if (!exitEvent || !row.m.contactId) return false;
  const [hit] = await db
    .select({ lastAt: contactEventStats.lastAt })
    .from(contactEventStats)
    .where(
      and(
        eq(contactEventStats.contactId, row.m.contactId),
        eq(contactEventStats.event, exitEvent),
        gt(contactEventStats.lastAt, enteredAt),
      ),
    );
  return Boolean(hit);
}

async function marketingSentTimes(db: Db, contactId: string, now: number): Promise<number[]> {
  const rows = await db
    .select({ sentAt: emailMessages.sentAt })
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.contactId, contactId),
        gt(emailMessages.sentAt, now - WEEK),
        eq(emailMessages.topic, "marketing"),
        inArray(emailMessages.state, ["sending", "sent"]),
      ),
    );
  return rows.map((r) => r.sentAt ?? 0);
}

/** Why the message must not go now: a final decision, a deferral, or null to send. */
async function gate(
  db: Db,
  env: Env,
  row: Row,
  address: string | null,
  now: number,
  incident: (db: Db) => Promise<boolean>,
): Promise<
  | { kind: "skip"; state: "skipped" | "suppressed"; reason: string }
  | { kind: "defer"; reason: "capped" | "quiet_hours" | "incident"; until: number }
  | null
> {
  const { m, profile } = row;
  if (!address) return { kind: "skip", state: "skipped", reason: "no_address" };
  const [suppressed] = await db
    .select({ reason: emailSuppressions.reason })
    .from(emailSuppressions)
    .where(eq(emailSuppressions.emailHash, await addressHash(address)));
  if (suppressed) return { kind: "skip", state: "suppressed", reason: suppressed.reason };
  if (m.topic !== "transactional") {
    if (profile?.unsubscribedAt) return { kind: "skip", state: "suppressed", reason: "unsubscribed" };
    const consentTopic = m.topic as ConsentTopic;
    if (CONSENT_TOPICS.includes(consentTopic) && !consents(profile, consentTopic)) {
      return { kind: "skip", state: "skipped", reason: "no_consent" };
    }
  }
  if (m.triggerId && !row.trigger?.enabled) return { kind: "skip", state: "skipped", reason: "trigger_off" };
  if (await exited(db, row)) return { kind: "skip", state: "skipped", reason: "exited" };
  if (m.topic === "marketing" && (await incident(db))) {
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

export const weeklyCap = (env: Env) => {
  const n = Number(env.EMAIL_WEEKLY_CAP);
  return Number.isInteger(n) && n > 0 ? n : 3;
};
const defaultTz = (env: Env) =>
  env.EMAIL_DEFAULT_TIMEZONE && isTimeZone(env.EMAIL_DEFAULT_TIMEZONE) ? env.EMAIL_DEFAULT_TIMEZONE : "UTC";

/** Subject, bodies, headers and tracked links of the message as it will leave. */
async function compose(env: Env, row: Row, address: string) {
  const { m } = row;
  const unsub = await unsubscribeUrl(env, m.id);
  const prefs = m.contactId ? await preferencesUrl(env, m.contactId) : null;
  let parts = { subject: m.subject ?? "", html: m.html ?? "", text: m.text ?? "" };
  if (m.html === null && row.template) {
    const ctx = (m.context ?? {}) as Record<string, unknown>;
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

/** Whether marketing sends wait now; emails itself knows of no pause. */
export type MarketingPaused = (db: Db) => Promise<boolean>;
const notPaused: MarketingPaused = async () => false;

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
  /** Whether marketing is paused (an incident): the job registry hands in status's check. */
  incident: MarketingPaused = notPaused,
): Promise<DeliverResult> {
  const db = getDb(env.DB);
  const row = await loadMessage(db, id);
  if (!row || (row.m.state !== "queued" && row.m.state !== "deferred") || row.m.sendAfter > now) {
    return { outcome: "noop" };
  }
  const address = row.m.toAddress ?? row.contact?.email ?? null;
  const verdict = await gate(db, env, row, address, now, incident);
  if (verdict?.kind === "skip") {
    await finish(db, id, verdict.state, verdict.reason, now);
    return { outcome: verdict.state, reason: verdict.reason };
  }
  if (verdict?.kind === "defer") {
    await defer(db, id, verdict.reason, verdict.until, now);
    return { outcome: "deferred", reason: verdict.reason };
  }
  const mail = await compose(env, row, address as string);
  const cap = weeklyCap(env);
  // The claim re-checks the cap in the same statement, so two racing sends cannot both pass it.
  const [claimed] = await runBatch(db, [
    db
      .update(emailMessages)
      .set({
        state: provider ? "sending" : "sent",
        provider: provider?.name ?? "outbox",
        toAddress: address,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        attempts: sql`${emailMessages.attempts} + 1`,
        claimedAt: now,
        sentAt: now,
        sendAfter: now,
        deferReason: null,
        updatedAt: now,
      })
      .where(
        and(
          eq(emailMessages.id, id),
          inArray(emailMessages.state, ["queued", "deferred"]),
          sql`(email_messages.topic != 'marketing' or email_messages.contact_id is null or (
            select count(*) from email_messages p where p.contact_id = email_messages.contact_id
            and p.topic = 'marketing' and p.state in ('sending', 'sent') and p.sent_at > ${now - WEEK}) < ${cap})`,
        ),
      )
      .returning({ attempts: emailMessages.attempts }),
    ...insertChunks(
      db,
      emailLinks,
      mail.links.map((l) => ({ ...l, messageId: id })),
    ),
  ]);
  const claim = (claimed as Array<{ attempts: number }>)[0];
  if (!claim) return { outcome: "noop", reason: "claimed elsewhere" };
  if (!provider) return { outcome: "sent" };

  try {
    const { id: providerId } = await provider.send({
      from: env.EMAIL_FROM || "Rapport <hello@rapport.localhost>",
      to: address as string,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: mail.headers,
      idempotencyKey: row.m.idempotencyKey,
    });
    await db
      .update(emailMessages)
      .set({ state: "sent", providerMessageId: providerId, lastError: null, updatedAt: Date.now() })
      .where(eq(emailMessages.id, id));
    return { outcome: "sent" };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
    const final = claim.attempts >= MAX_SEND_ATTEMPTS || (e instanceof ProviderError && !e.retryable);
    const delaySeconds = retryDelaySeconds(claim.attempts);
    await db
      .update(emailMessages)
      .set({
        state: final ? "failed" : "queued",
        lastError: error,
        sentAt: null,
        sendAfter: final ? now : now + delaySeconds * 1000,
        updatedAt: Date.now(),
      })
      .where(and(eq(emailMessages.id, id), eq(emailMessages.state, "sending")));
    if (final) {
      // Parked where people look for failed work (the console's dead letters).
      await env.DLQ.send({ reason: "email-failed", messageId: id, to: address, error });
      return { outcome: "failed", reason: error };
    }
    return { outcome: "retry", delaySeconds, reason: error };
  }
}
