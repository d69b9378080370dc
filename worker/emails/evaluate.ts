// Trigger evaluation: reads candidates forward from the trigger's watermark (store/candidates.ts)
// and decides each one's outbox row: skipped (confidence, consent), deferred to its send time, or
// queued now. Rows are unique per trigger, contact and occurrence; it never sends: delivery is the
// queue's work.
import type { EmailTopic, emailTriggers } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { absenceConfidence, CHURN_WINDOW_DAYS, churnRisk, DAY } from "./churn.ts";
import { isTimeZone, nextLocalTime } from "./policy.ts";
import { TriggerRule, type TriggerRuleT } from "./schemas.ts";
import {
  advanceWatermark,
  type Candidate,
  candidatePage,
  type Source,
  source,
  writeCandidates,
} from "./store/candidates.ts";
import { activityDays } from "./store/events.ts";
import type { QueuedEmail } from "./store/outbox.ts";

/** Rows changed more recently than this may belong to a request still committing: read them next tick. */
export const EVAL_LAG_MS = 30_000;
export const PAGE = 500;
export const MAX_PAGES = 20;

const CONSENT: Record<EmailTopic, (r: Candidate) => boolean> = {
  marketing: (r) => r.cm === 1,
  product_updates: (r) => r.cpu !== 0,
  status_notifications: (r) => r.csn !== 0,
  transactional: () => true,
};

/** When a send for a contact who entered at `enteredAt` is due. */
export function sendTime(delay: TriggerRuleT["delay"], enteredAt: number, now: number, tz: string): number {
  if (delay.kind === "hours") return Math.max(now, enteredAt + delay.hours * 3600_000);
  if (delay.kind === "local_time") {
    return nextLocalTime(Math.max(now, enteredAt + delay.afterHours * 3600_000), tz, delay.hour, delay.minute);
  }
  return now;
}

type TriggerRow = typeof emailTriggers.$inferSelect;

/**
 * Evaluates one trigger from its watermark to now: at most MAX_PAGES pages of candidates.
 * Returns what it wrote and whether candidates remain (the caller enqueues a continuation).
 */
export async function evaluateTrigger(db: Db, trigger: TriggerRow, now = Date.now(), defaultTz = "UTC") {
  const rule = TriggerRule.parse(trigger.rule);
  const upper = now - EVAL_LAG_MS;
  const out = { candidates: 0, queued: 0, skipped: 0, more: false, watermark: trigger.watermark };
  if (upper <= trigger.watermark) return out;
  const src = source(rule, trigger.watermark, upper, now);
  let cursor: { k: number; id: string } | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await candidatePage(db, src, cursor, PAGE);
    if (!rows.length) {
      // Read to the end (the last page was exactly full): nothing remains.
      cursor = null;
      break;
    }
    const emails = await candidatesToEmails(db, trigger, rule, src, rows, now, defaultTz);
    out.candidates += rows.length;
    out.queued += emails.filter((e) => e.state !== "skipped").length;
    out.skipped += emails.filter((e) => e.state === "skipped").length;
    const last = rows[rows.length - 1];
    cursor = { k: last.k, id: last.contact_id };
    const full = rows.length === PAGE;
    // Stop one ms short of a full page's last key: the rest of that key is read again next
    // time (unique keys make that harmless) instead of being skipped.
    out.watermark = full ? src.keyToTime(last.k) - 1 : upper;
    await writeCandidates(db, trigger.id, emails, out.watermark, now);
    if (!full) return out;
  }
  if (cursor) out.more = true;
  else await advanceWatermark(db, trigger.id, upper);
  if (!cursor) out.watermark = upper;
  return out;
}

async function candidatesToEmails(
  db: Db,
  trigger: TriggerRow,
  rule: TriggerRuleT,
  src: Source,
  rows: Candidate[],
  now: number,
  defaultTz: string,
): Promise<QueuedEmail[]> {
  const scores = await confidences(db, rule, rows, now);
  return rows.map((r, i) => {
    const confidence = scores[i];
    const enteredAt = src.enteredAt(r);
    const base: QueuedEmail = {
      contactId: r.contact_id,
      topic: trigger.topic,
      triggerId: trigger.id,
      templateId: trigger.templateId,
      idempotencyKey: `trg:${trigger.id}:${r.contact_id}:${src.occurrence(r)}`,
      confidence,
      context: { enteredAt, event: src.event ? { name: src.event } : null, confidence },
    };
    if (confidence < trigger.minConfidence) return { ...base, state: "skipped", skipReason: "below_confidence" };
    if (r.unsub || !CONSENT[trigger.topic](r)) return { ...base, state: "skipped", skipReason: "no_consent" };
    const tz = r.timezone && isTimeZone(r.timezone) ? r.timezone : defaultTz;
    const at = sendTime(rule.delay, enteredAt, now, tz);
    return at > now ? { ...base, state: "deferred", deferReason: "delay", sendAfter: at } : { ...base, sendAfter: now };
  });
}

/** Confidence per candidate, as each entry kind declares it (see Entry in schemas.ts). */
async function confidences(db: Db, rule: TriggerRuleT, rows: Candidate[], now: number): Promise<number[]> {
  const e = rule.entry;
  if (e.kind === "absence") {
    return rows.map((r) => absenceConfidence({ count: Number(r.a), firstAt: Number(r.b), lastAt: Number(r.c), now }));
  }
  if (e.kind !== "churn_risk") return rows.map(() => 1);
  const days = await activityDays(
    db,
    rows.map((r) => r.contact_id),
    Math.floor(now / DAY) - CHURN_WINDOW_DAYS,
  );
  return rows.map((r) =>
    churnRisk({ now, lastEventAt: r.c === null ? null : Number(r.c), days: days.get(r.contact_id) ?? [] }),
  );
}
