// Marketing spend per quarter and channel: what CAC divides.
import { and, asc, eq } from "drizzle-orm";
import { marketingSpend } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { forgetReports } from "../report-cache.ts";

export async function listSpend(db: Db, quarter?: string) {
  return db
    .select()
    .from(marketingSpend)
    .where(quarter ? eq(marketingSpend.quarter, quarter) : undefined)
    .orderBy(asc(marketingSpend.quarter), asc(marketingSpend.channel));
}

export async function putSpend(
  db: Db,
  quarter: string,
  channel: string,
  input: { amount: number; note?: string | null },
  now = Date.now(),
) {
  const values = { amount: input.amount, note: input.note ?? null, updatedAt: now };
  const [row] = await db
    .insert(marketingSpend)
    .values({ id: newId("spd", now), quarter, channel, ...values })
    .onConflictDoUpdate({ target: [marketingSpend.quarter, marketingSpend.channel], set: values })
    .returning();
  forgetReports();
  return row;
}

export async function deleteSpend(db: Db, quarter: string, channel: string): Promise<boolean> {
  const rows = await db
    .delete(marketingSpend)
    .where(and(eq(marketingSpend.quarter, quarter), eq(marketingSpend.channel, channel)))
    .returning({ id: marketingSpend.id });
  forgetReports();
  return rows.length > 0;
}
