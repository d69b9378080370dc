// Triggers: create, read, update, delete, and per-trigger metrics.
import { desc, eq, lt } from "drizzle-orm";
import { emailTriggers } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";
import { TriggerRule, type TriggerRuleT } from "../schemas.ts";
import { triggerCounts } from "./message-days.ts";
import { requireTemplate } from "./templates.ts";

export type TriggerInput = TriggerRuleT & {
  name: string;
  enabled: boolean;
  templateId: string;
  topic: (typeof emailTriggers.$inferSelect)["topic"];
  minConfidence: number;
};

const ruleOf = (i: TriggerRuleT): TriggerRuleT => ({
  entry: i.entry,
  filters: i.filters,
  delay: i.delay,
  ...(i.exit ? { exit: i.exit } : {}),
  ...(i.conversion ? { conversion: i.conversion } : {}),
});

/** A new trigger reads forward from its creation: it does not replay history. */
export async function createTrigger(db: Db, input: TriggerInput, now = Date.now()) {
  await requireTemplate(db, input.templateId);
  const [row] = await db
    .insert(emailTriggers)
    .values({
      id: newId("trg", now),
      name: input.name,
      enabled: input.enabled,
      templateId: input.templateId,
      topic: input.topic,
      minConfidence: input.minConfidence,
      rule: ruleOf(input),
      watermark: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row;
}

export async function getTriggerOrThrow(db: Db, id: string) {
  const t = await db.query.emailTriggers.findFirst({ where: eq(emailTriggers.id, id) });
  if (!t) throw notFound("No such trigger");
  return t;
}

export async function updateTrigger(
  db: Db,
  id: string,
  patch: Partial<Omit<TriggerInput, "exit" | "conversion">> & {
    exit?: TriggerRuleT["exit"] | null;
    conversion?: TriggerRuleT["conversion"] | null;
  },
  now = Date.now(),
) {
  const current = await getTriggerOrThrow(db, id);
  if (!changesOf(patch)) return current;
  if (patch.templateId) await requireTemplate(db, patch.templateId);
  const rule = TriggerRule.parse(current.rule);
  const merged: TriggerRuleT = {
    entry: patch.entry ?? rule.entry,
    filters: patch.filters ?? rule.filters,
    delay: patch.delay ?? rule.delay,
    exit: patch.exit === null ? undefined : (patch.exit ?? rule.exit),
    conversion: patch.conversion === null ? undefined : (patch.conversion ?? rule.conversion),
  };
  // Re-enabling reads forward from now: what happened while it was off is not replayed.
  const reenabled = patch.enabled === true && !current.enabled;
  const [row] = await db
    .update(emailTriggers)
    .set({
      name: patch.name,
      enabled: patch.enabled,
      templateId: patch.templateId,
      topic: patch.topic,
      minConfidence: patch.minConfidence,
      rule: ruleOf(merged),
      updatedAt: now,
      ...(reenabled ? { watermark: now } : {}),
    })
    .where(eq(emailTriggers.id, id))
    .returning();
  return row;
}

/** Deletes the trigger; its messages stay (history), unsent ones are skipped at delivery. */
export async function deleteTrigger(db: Db, id: string) {
  await getTriggerOrThrow(db, id);
  await db.delete(emailTriggers).where(eq(emailTriggers.id, id));
}

export async function listTriggers(db: Db, q: { limit: number; cursor?: string }) {
  return db
    .select()
    .from(emailTriggers)
    .where(q.cursor ? lt(emailTriggers.id, q.cursor) : undefined)
    .orderBy(desc(emailTriggers.id))
    .limit(q.limit + 1);
}

export async function enabledTriggers(db: Db) {
  return db.select().from(emailTriggers).where(eq(emailTriggers.enabled, true));
}

export async function loadTrigger(db: Db, id: string) {
  return db.query.emailTriggers.findFirst({ where: eq(emailTriggers.id, id) });
}

/**
 * Funnel of one trigger over its messages (index on trigger_id) and the days retention sealed.
 * Converted: the conversion event (or else the exit event) within the window after the send.
 */
export async function triggerMetrics(db: Db, trigger: typeof emailTriggers.$inferSelect) {
  const r = await triggerCounts(db, trigger.id);
  return {
    entered: r.messages,
    skipped: { belowConfidence: r.below_confidence, noConsent: r.no_consent, capped: r.capped, other: r.other_skipped },
    pending: r.pending,
    sent: r.sent,
    opened: r.opened,
    clicked: r.clicked,
    unsubscribed: r.unsubscribed,
    converted: r.converted,
  };
}

export function triggerOut(t: typeof emailTriggers.$inferSelect) {
  return { ...t, rule: TriggerRule.parse(t.rule) };
}

/** The trigger as the API answers it, with its metrics. */
export async function triggerWithMetrics(db: Db, t: typeof emailTriggers.$inferSelect) {
  return { ...triggerOut(t), metrics: await triggerMetrics(db, t) };
}
