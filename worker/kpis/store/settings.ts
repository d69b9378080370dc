// The organisation's KPI settings: one row, id `default`.
import { eq } from "drizzle-orm";
import { kpiSettings } from "../../../db/schema/index.ts";
import type { Db } from "../../lib/db.ts";
import { forgetReports } from "../report-cache.ts";
import { type KpiSettings, KpiSettingsSchema } from "../schemas.ts";

export async function getSettings(db: Db): Promise<KpiSettings> {
  const row = await db.query.kpiSettings.findFirst({ where: eq(kpiSettings.id, "default") });
  // Stored settings were valid when written; defaults fill anything added since.
  const parsed = KpiSettingsSchema.safeParse(row?.settings ?? {});
  return parsed.success ? parsed.data : KpiSettingsSchema.parse({});
}

export async function putSettings(db: Db, settings: KpiSettings, now = Date.now()): Promise<KpiSettings> {
  await db
    .insert(kpiSettings)
    .values({ id: "default", settings, updatedAt: now })
    .onConflictDoUpdate({ target: kpiSettings.id, set: { settings, updatedAt: now } });
  forgetReports();
  return settings;
}
