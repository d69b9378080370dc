// Reads what the KPI formulas need for one range: our own tables and the other capabilities' contracts.
import { and, count, gte, lt, sql } from "drizzle-orm";
import { contacts, marketingSpend } from "../../../db/schema/index.ts";
import { activeContactIds, emailEngagement, eventFacts } from "../../emails/index.ts";
import { feedbackImplementation } from "../../feedback/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { npsScores } from "../../nps/index.ts";
import { referralConversion } from "../../referrals/index.ts";
import type { KpiFacts } from "../definitions.ts";
import { spendIn } from "../formulas.ts";
import { DAY, quarterOf } from "../quarters.ts";
import type { KpiSettings } from "../schemas.ts";

async function spendInRange(db: Db, range: Range): Promise<number> {
  const rows = await db
    .select({ quarter: marketingSpend.quarter, amount: sql<number>`sum(${marketingSpend.amount})` })
    .from(marketingSpend)
    .where(
      and(
        gte(marketingSpend.quarter, quarterOf(range.from)),
        sql`${marketingSpend.quarter} <= ${quarterOf(range.to - 1)}`,
      ),
    )
    .groupBy(marketingSpend.quarter);
  return spendIn(range, rows);
}

async function memberCount(db: Db, before: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(contacts).where(lt(contacts.firstSeenAt, before));
  return row?.n ?? 0;
}

/** Per contact, the summed amount of all revenue events in the range. */
async function revenueByContact(db: Db, range: Range, events: string[]) {
  const perEvent = await Promise.all(events.map((event) => eventFacts(db, { ...range, event })));
  const byContact = new Map<string, number>();
  for (const rows of perEvent) {
    for (const r of rows) byContact.set(r.contactId, (byContact.get(r.contactId) ?? 0) + r.amount);
  }
  return [...byContact].map(([contactId, amount]) => ({ contactId, amount }));
}

export async function gatherFacts(db: Db, range: Range, settings: KpiSettings): Promise<KpiFacts> {
  const window = settings.activeWindowDays * DAY;
  const weighted = Object.keys(settings.engagementWeights);
  const [
    scores,
    referral,
    feedback,
    email,
    revenue,
    orders,
    priorOrders,
    spend,
    activeAtStart,
    activeAtEnd,
    members,
    community,
    engagementRows,
    active,
  ] = await Promise.all([
    npsScores(db, range),
    referralConversion(db, range),
    feedbackImplementation(db, range),
    emailEngagement(db, range),
    revenueByContact(db, range, settings.revenueEvents),
    eventFacts(db, { ...range, event: settings.orderEvent }),
    eventFacts(db, { from: 0, to: range.from, event: settings.orderEvent }),
    spendInRange(db, range),
    activeContactIds(db, { from: range.from - window, to: range.from }),
    activeContactIds(db, { from: range.to - window, to: range.to }),
    memberCount(db, range.to),
    activeContactIds(db, { ...range, events: settings.communityEvents }),
    Promise.all(weighted.map((event) => eventFacts(db, { ...range, event }))),
    activeContactIds(db, range),
  ]);
  const before = new Set(priorOrders.filter((r) => r.count > 0).map((r) => r.contactId));
  return {
    npsScores: scores,
    referral,
    feedback,
    email,
    revenue,
    orderCounts: orders.map((r) => r.count),
    newCustomers: orders.filter((r) => r.count > 0 && !before.has(r.contactId)).length,
    spend,
    activeAtStart,
    activeAtEnd,
    members,
    communityActive: community.length,
    engagement: Object.fromEntries(weighted.map((event, i) => [event, engagementRows[i]])),
    activeContacts: active.length,
  };
}
