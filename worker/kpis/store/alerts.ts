import { desc, lt } from "drizzle-orm";
import { kpiAlerts } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";

export async function listAlerts(db: Db, limit: number, cursor?: string) {
  return db
    .select()
    .from(kpiAlerts)
    .where(cursor ? lt(kpiAlerts.id, cursor) : undefined)
    .orderBy(desc(kpiAlerts.id))
    .limit(limit + 1);
}
