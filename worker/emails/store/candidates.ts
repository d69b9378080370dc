// Trigger evaluation's SQL: the candidates of an entry condition, set-based and keyset-paged over
// the aggregate indexes between two watermarks, what they write, and the editor's live count.
import { type SQL, sql } from "drizzle-orm";
import { type Db, execBatch, inJson } from "../../lib/db.ts";
import { DAY } from "../churn.ts";
import type { TriggerRuleT } from "../schemas.ts";
import { outboxInserts, type QueuedEmail } from "./outbox.ts";

export type Candidate = {
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

export type Source = {
  /** FROM ... JOIN contacts c LEFT JOIN email_profiles p, and the kind's own conditions. */
  from: SQL;
  where: SQL;
  /** The sort key column (indexed) and how a key maps back to evaluation time. */
  key: SQL;
  keyToTime: (k: number) => number;
  /** Extra values a, b, c for the candidate. */
  extra: SQL;
  occurrence: (r: Candidate) => string;
  enteredAt: (r: Candidate) => number;
  event: string | null;
  /** The trigger's trait filters, on contacts c. */
  filters: SQL;
};

const fromStats = (_event: string) =>
  sql`contact_event_stats s join contacts c on c.id = s.contact_id left join email_profiles p on p.contact_id = s.contact_id`;
const fromProfiles = sql`email_profiles p join contacts c on c.id = p.contact_id`;

/** The candidate query of a trigger's rule for keys in (lower, upper] of evaluation time. */
export function source(rule: TriggerRuleT, lower: number, upper: number, now: number): Source {
  return { ...entrySource(rule, lower, upper, now), filters: filterSql(rule.filters) };
}

/** The candidate query of an entry condition. */
function entrySource(rule: TriggerRuleT, lower: number, upper: number, now: number): Omit<Source, "filters"> {
  // Contacts whose last event anywhere is `span` old by the window: absence of any event, churn risk.
  const inactiveFor = (span: number, prefix: string): Omit<Source, "filters"> => ({
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
function filterSql(filters: TriggerRuleT["filters"]): SQL {
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
      return inJson(v, f.value as Array<string | number | boolean>);
    case "neq":
      return sql`(${v} is null or ${v} != ${one})`;
    default:
      return sql`${v} ${{ eq: sql`=`, gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` }[f.op]} ${one}`;
  }
}

/** One page of candidates after `cursor`, in key order (the key is indexed). */
export async function candidatePage(
  db: Db,
  src: Source,
  cursor: { k: number; id: string } | null,
  limit: number,
): Promise<Candidate[]> {
  const after: SQL = cursor ? sql`and (${src.key}, c.id) > (${cursor.k}, ${cursor.id})` : sql``;
  return (await db.all(sql`select c.id as contact_id, ${src.key} as k, c.timezone as timezone,
      p.consent_marketing as cm, p.consent_product_updates as cpu, p.consent_status_notifications as csn,
      p.unsubscribed_at as unsub, ${src.extra}
    from ${src.from}
    where ${src.where} and c.email is not null and ${src.filters} ${after}
    order by ${src.key}, c.id limit ${limit}`)) as Candidate[];
}

const raiseWatermark = (triggerId: string, watermark: number) =>
  sql`update email_triggers set watermark = max(watermark, ${watermark}) where id = ${triggerId}`;

/** A page's outbox rows and the trigger's new watermark, in one batch. */
export async function writeCandidates(
  db: Db,
  triggerId: string,
  emails: QueuedEmail[],
  watermark: number,
  now: number,
) {
  await execBatch(db, [...outboxInserts(db, emails, now), raiseWatermark(triggerId, watermark)]);
}

/** Moves the watermark forward (never back) when a run found nothing more. */
export async function advanceWatermark(db: Db, triggerId: string, watermark: number) {
  await db.run(raiseWatermark(triggerId, watermark));
}

/** How many contacts match the entry condition now (ignoring the watermark), for the editor. */
export async function matchCount(db: Db, rule: TriggerRuleT, now = Date.now()): Promise<number> {
  const e = rule.entry;
  // From the beginning of time: for absence and churn, everyone inactive long enough now.
  const src = source(rule, e.kind === "absence" || e.kind === "churn_risk" ? -1e15 : -1, now, now);
  const [row] = (await db.all(
    sql`select count(*) as n from ${src.from} where ${src.where} and c.email is not null and ${src.filters}`,
  )) as Array<{ n: number }>;
  return row?.n ?? 0;
}
