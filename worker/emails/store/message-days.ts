// Messages per trigger, template and UTC day: what a trigger's funnel, a template's days and email
// engagement count, read as the day rollup (messages folded in when retention pruned them) plus the
// messages still in the outbox, so pruning changes none of these figures.
import { type SQL, sql } from "drizzle-orm";
import { type Db, execBatch } from "../../lib/db.ts";
import { DAY } from "../../lib/retention.ts";

/** A trigger's conversion goal: the conversion event (or else the exit event) and its window in ms. */
const GOAL_EVENT = sql.raw("coalesce(t.rule ->> '$.conversion.event', t.rule ->> '$.exit.event')");
const GOAL_MS = sql.raw(`(CASE WHEN t.rule ->> '$.conversion.event' IS NOT NULL
  THEN round(coalesce(t.rule ->> '$.conversion.withinDays', 7) * ${DAY}) ELSE ${7 * DAY} END)`);

/**
 * Goal events of message `m`'s trigger in its window after the send, among `events`. `+e.event` keeps
 * SQLite on the contact's events (contact_id, occurred_at): by the event's index it read every goal
 * event of the week for each message, seconds per trigger on the demo data, with D1 blocked meanwhile.
 */
export const goalEvents = (events: SQL) => sql`FROM ${events} e JOIN email_triggers t ON t.id = m.trigger_id
  WHERE e.contact_id = m.contact_id AND +e.event = ${GOAL_EVENT}
    AND e.occurred_at >= m.sent_at AND e.occurred_at < m.sent_at + ${GOAL_MS}`;

/** Whether sent message `m` converted: marked when its goal event was pruned, or seen in the events still here. */
const CONVERTED = sql`(m.state = 'sent' AND (m.converted_at IS NOT NULL
  OR EXISTS (SELECT 1 ${goalEvents(sql.raw("email_events"))})))`;

/** Each count of the rollup and how messages `m` make it. */
const COUNTS = {
  messages: sql`count(*)`,
  below_confidence: sql`coalesce(sum(m.skip_reason = 'below_confidence'), 0)`,
  no_consent: sql`coalesce(sum(m.skip_reason = 'no_consent'), 0)`,
  capped: sql`coalesce(sum(m.was_capped), 0)`,
  other_skipped: sql`coalesce(sum(m.state IN ('skipped', 'suppressed')
    AND coalesce(m.skip_reason, '') NOT IN ('below_confidence', 'no_consent')), 0)`,
  sent: sql`coalesce(sum(m.state = 'sent'), 0)`,
  opened: sql`count(m.opened_at)`,
  clicked: sql`count(m.clicked_at)`,
  unsubscribed: sql`count(m.unsubscribed_at)`,
  converted: sql`coalesce(sum(${CONVERTED}), 0)`,
};
export type MessageCounts = Record<keyof typeof COUNTS, number>;
const NAMES = Object.keys(COUNTS) as Array<keyof typeof COUNTS>;

/** The counts over outbox messages `m` (a SELECT list). */
const rawCounts = sql.join(
  NAMES.map((c) => sql`${COUNTS[c]} AS ${sql.raw(c)}`),
  sql`, `,
);
/** The same counts summed over rollup rows. */
const sealedCounts = sql.raw(NAMES.map((c) => `coalesce(sum(${c}), 0) AS ${c}`).join(", "));

/** The day a message counts on: its send, or its creation when it was never sent. */
const MESSAGE_DAY = sql.raw(`coalesce(m.sent_at, m.created_at) / ${DAY}`);

/** Folds the messages `m` that `where` picks into the rollup, as a statement for the batch that prunes them. */
export function foldMessages(...where: SQL[]): SQL {
  return sql`INSERT INTO email_message_days (trigger_id, template_id, day, ${sql.raw(NAMES.join(", "))})
    SELECT coalesce(m.trigger_id, ''), coalesce(m.template_id, ''), ${MESSAGE_DAY}, ${rawCounts}
    FROM email_messages m WHERE ${sql.join(where, sql` AND `)}
    GROUP BY 1, 2, 3
    ON CONFLICT (trigger_id, template_id, day) DO UPDATE SET
      ${sql.raw(NAMES.map((c) => `${c} = ${c} + excluded.${c}`).join(", "))}`;
}

const add = (a: MessageCounts, b: MessageCounts | undefined): MessageCounts =>
  Object.fromEntries(NAMES.map((c) => [c, Number(a[c] ?? 0) + Number(b?.[c] ?? 0)])) as MessageCounts;

/** A trigger's counts over all its messages, and how many still wait to be sent. */
export async function triggerCounts(db: Db, triggerId: string): Promise<MessageCounts & { pending: number }> {
  const [rawRows, sealedRows] = await execBatch(db, [
    sql`SELECT ${rawCounts}, coalesce(sum(m.state IN ('queued', 'deferred', 'sending')), 0) AS pending
      FROM email_messages m WHERE m.trigger_id = ${triggerId}`,
    sql`SELECT ${sealedCounts} FROM email_message_days WHERE trigger_id = ${triggerId}`,
  ]);
  const [raw] = rawRows.results as Array<MessageCounts & { pending: number }>;
  const [sealed] = sealedRows.results as MessageCounts[];
  return { ...add(raw, sealed), pending: Number(raw?.pending ?? 0) };
}
