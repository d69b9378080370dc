// Reads what the KPI formulas need for one range: our own tables and the other capabilities'
// contracts. Events come from emails' daily rollups, so `range` must be whole UTC days.
import { and, gte, sql } from "drizzle-orm";
import { marketingSpend } from "../../../db/schema/index.ts";
import {
  activeCohort,
  activeContactCount,
  emailEngagement,
  eventTotals,
  firstTimeCount,
  memberCount,
} from "../../emails/index.ts";
import { feedbackImplementation } from "../../feedback/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";
import { npsScores } from "../../nps/index.ts";
import { referralConversion } from "../../referrals/index.ts";
import { factEvents, type KpiFacts } from "../definitions.ts";
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

export async function gatherFacts(db: Db, range: Range, settings: KpiSettings): Promise<KpiFacts> {
  const window = settings.activeWindowDays * DAY;
  const [npsList, referral, feedback, email, events, newCustomers, spend, cohort, members, activeContacts] =
    await Promise.all([
      npsScores(db, range),
      referralConversion(db, range),
      feedbackImplementation(db, range),
      emailEngagement(db, range),
      eventTotals(db, range, factEvents(settings)),
      firstTimeCount(db, range, settings.orderEvent),
      spendInRange(db, range),
      activeCohort(db, { from: range.from - window, to: range.from }, { from: range.to - window, to: range.to }),
      memberCount(db, range.to),
      activeContactCount(db, range),
    ]);
  return {
    npsScores: npsList,
    referral,
    feedback,
    email,
    events,
    newCustomers,
    spend,
    cohort,
    members,
    activeContacts,
  };
}
