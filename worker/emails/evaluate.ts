// Trigger evaluation: set-based, keyset-paged SQL over the aggregate indexes, reading forward
// from the trigger's watermark. It writes outbox rows (unique per trigger, contact and
// occurrence) and never sends: delivery is the queue's work.
import { eq, type SQL, sql } from "drizzle-orm";
import { type EmailTopic, emailTriggers } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { execBatch } from "../lib/db.ts";
import { absenceConfidence, CHURN_WINDOW_DAYS, churnRisk, DAY } from "./churn.ts";
import { outboxInserts, type QueuedEmail } from "./outbox.ts";
import { isTimeZone, nextLocalTime } from "./policy.ts";
import { TriggerRule, type TriggerRuleT } from "./schemas.ts";

/** Rows changed more recently than this may belong to a request still committing: read them next tick. */
export const EVAL_LAG_MS = 30_000;
export const PAGE = 500;
export const MAX_PAGES = 20;

type Row = {
  contact_id: string;
  k: number;
  timezone: string | null;
  cm: number | null;
  cpu: number | null;
  csn: number | null;
  unsub: number | null;
  a: number | null;
  b: number | null;
  c: number | null;
};

type Source = {
  /** FROM ... JOIN contacts c LEFT JOIN email_profiles p, and the kind's own conditions. */
  from: SQL;
  where: SQL;
  /** The sort key column (indexed) and how a key maps back to evaluation time. */
  key: SQL;
  keyToTime: (k: number) => number;
  /** Extra values a, b, c for the candidate. */
  extra: SQL;
  occurrence: (r: Row) => string;
  enteredAt: (r: Row) => number;
  event: string | null;
};

const fromStats = (_event: string) =>
  sql`contact_event_stats s join contacts c on c.id = s.contact_id left join email_profiles p on p.contact_id = s.contact_id`;
const fromProfiles = sql`email_profiles p join contacts c on c.id = p.contact_id`;

/** The candidate query of an entry condition for keys in (lower, upper] of evaluation time. */
export function source(rule: TriggerRuleT, lower: number, upper: number, now: number): Source {
  // Contacts whose last event anywhere is `span` old by the window: absence of any event, churn risk.
  const inactiveFor = (span: number, prefix: string): Source => ({
    from: fromProfiles,
    where: sql`p.last_event_at > ${lower - span} and p.last_event_at <= ${upper - span}`,
    key: sql`p.last_event_at`,
    keyToTime: (k) => k + span,
    extra: sql`p.event_count as a, p.first_event_at as b, p.last_event_at as c`,
    occurrence: (r) => `${prefix}${r.c}`,
    enteredAt: (r) => Number(r.c) + span,
    event: null,
  });
  const e = rule.entry;
  switch (e.kind) {
    case "event":
    case "first_event":
    case "count_reached": {
      const lookback = "lookbackHours" in e ? now - e.lookbackHours * 3600_000 : 0;
      const cond =
        e.kind === "event"
          ? sql`s.last_at >= ${lookback}`
          : e.kind === "first_event"
            ? sql`s.first_at >= ${lookback}`
            : sql`s.count >= ${e.count}`;
      return {
        from: fromStats(e.event),
        where: sql`s.event = ${e.event} and s.updated_at > ${lower} and s.updated_at <= ${upper} and ${cond}`,
        key: sql`s.updated_at`,
        keyToTime: (k) => k,
        extra: sql`s.count as a, s.first_at as b, s.last_at as c`,
        occurrence: (r) => (e.kind === "event" ? `n${r.a}` : e.kind === "first_event" ? "first" : `count${e.count}`),
        enteredAt: (r) => Math.min(now, Number(e.kind === "first_event" ? r.b : r.c)),
        event: e.event,
      };
    }
    case "absence": {
      const span = e.days * DAY;
      if (e.event) {
        return {
          from: fromStats(e.event),
          where: sql`s.event = ${e.event} and s.last_at > ${lower - span} and s.last_at <= ${upper - span}`,
          key: sql`s.last_at`,
          keyToTime: (k) => k + span,
          extra: sql`s.count as a, s.first_at as b, s.last_at as c`,
          occurrence: (r) => `absent${r.c}`,
          enteredAt: (r) => Number(r.c) + span,
          event: e.event,
        };
      }
      return inactiveFor(span, "absent");
    }
    case "churn_risk":
      return inactiveFor(e.minInactiveDays * DAY, "churn");
    case "trait_threshold": {
      const op = { gte: sql`>=`, lte: sql`<=`, eq: sql`=` }[e.op];
      return {
        from: fromProfiles,
        where: sql`p.traits_updated_at > ${lower} and p.traits_updated_at <= ${upper}
          and json_extract(c.traits, ${`$.${e.trait}`}) ${op} ${e.value}`,
        key: sql`p.traits_updated_at`,
        keyToTime: (k) => k,
        extra: sql`null as a, null as b, p.traits_updated_at as c`,
        occurrence: () => "trait",
        enteredAt: (r) => Number(r.c),
        event: null,
      };
    }
  }
}

/** Trait filters as SQL on contacts c (paths are validated keys, values are bound). */
export function filterSql(filters: TriggerRuleT["filters"]): SQL {
  const parts = filters.map((f) => {
    if (f.of !== "account") return traitCondition(f, sql`c.traits`);
    // Some account of the contact matches; for the negative ops, none has the trait or value.
    const negative = f.op === "neq" || f.op === "not_exists";
    const cond = traitCondition(
      { ...f, op: f.op === "neq" ? "eq" : f.op === "not_exists" ? "exists" : f.op },
      sql`a.traits`,
    );
    return sql`${negative ? sql`not ` : sql``}exists (select 1 from account_members am join accounts a on a.id = am.account_id
      where am.contact_id = c.id and ${cond})`;
  });
  return parts.length ? sql.join(parts, sql` and `) : sql`1 = 1`;
}

function traitCondition(f: TriggerRuleT["filters"][number], traits: SQL): SQL {
  const v = sql`json_extract(${traits}, ${`$.${f.trait}`})`;
  const one = f.value as string | number | boolean;
  switch (f.op) {
    case "exists":
      return sql`${v} is not null`;
    case "not_exists":
      return sql`${v} is null`;
    case "in":
      return sql`${v} in (${sql.join(
        (f.value as Array<string | number | boolean>).map((x) => sql`${x}`),
        sql`, `,
      )})`;
    case "neq":
      return sql`(${v} is null or ${v} != ${one})`;
    default:
      return sql`${v} ${{ eq: sql`=`, gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` }[f.op]} ${one}`;
  }
}

const CONSENT: Record<EmailTopic, (r: Row) => boolean> = {
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
  const filters = filterSql(rule.filters);
  let cursor: { k: number; id: string } | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const after: SQL = cursor ? sql`and (${src.key}, c.id) > (${cursor.k}, ${cursor.id})` : sql``;
    const rows = (await db.all(sql`select c.id as contact_id, ${src.key} as k, c.timezone as timezone,
        p.consent_marketing as cm, p.consent_product_updates as cpu, p.consent_status_notifications as csn,
        p.unsubscribed_at as unsub, ${src.extra}
      from ${src.from}
      where ${src.where} and c.email is not null and ${filters} ${after}
      order by ${src.key}, c.id limit ${PAGE}`)) as Row[];
    if (!rows.length) break;
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
    await execBatch(db, [
      ...outboxInserts(db, emails, now),
      sql`update email_triggers set watermark = max(watermark, ${out.watermark}) where id = ${trigger.id}`,
    ]);
    if (!full) return out;
  }
  if (cursor) out.more = true;
  else await db.run(sql`update email_triggers set watermark = max(watermark, ${upper}) where id = ${trigger.id}`);
  if (!cursor) out.watermark = upper;
  return out;
}

async function candidatesToEmails(
  db: Db,
  trigger: TriggerRow,
  rule: TriggerRuleT,
  src: Source,
  rows: Row[],
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
async function confidences(db: Db, rule: TriggerRuleT, rows: Row[], now: number): Promise<number[]> {
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

/** Active days since `fromDay` of each contact (primary key range per contact). */
export async function activityDays(db: Db, contactIds: string[], fromDay: number) {
  const byContact = new Map<string, number[]>();
  for (let i = 0; i < contactIds.length; i += 90) {
    const part = contactIds.slice(i, i + 90);
    const rows = (await db.all(sql`select contact_id, day from contact_activity_days
      where contact_id in (${sql.join(
        part.map((id) => sql`${id}`),
        sql`, `,
      )}) and day >= ${fromDay}`)) as Array<{ contact_id: string; day: number }>;
    for (const r of rows) byContact.set(r.contact_id, [...(byContact.get(r.contact_id) ?? []), r.day]);
  }
  return byContact;
}

/** How many contacts match the entry condition now (ignoring the watermark), for the editor. */
export async function matchCount(db: Db, rule: TriggerRuleT, now = Date.now()): Promise<number> {
  const e = rule.entry;
  // From the beginning of time: for absence and churn, everyone inactive long enough now.
  const src = source(rule, e.kind === "absence" || e.kind === "churn_risk" ? -1e15 : -1, now, now);
  const [row] = (await db.all(
    sql`select count(*) as n from ${src.from} where ${src.where} and c.email is not null and ${filterSql(rule.filters)}`,
  )) as Array<{ n: number }>;
  return row?.n ?? 0;
}

export async function loadTrigger(db: Db, id: string) {
  return db.query.emailTriggers.findFirst({ where: eq(emailTriggers.id, id) });
}
