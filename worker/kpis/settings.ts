import { eq } from "drizzle-orm";
import { kpiSettings } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { z } from "../lib/openapi.ts";

const EventName = z.string().min(1).max(100);

/** What the organisation decides about its KPIs; every field has a sensible default. */
export const KpiSettingsSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("USD"),
    grossMargin: z.number().min(0).max(1).default(0.7).openapi({ description: "CLV's gross margin, 0-1" }),
    activeWindowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(30)
      .openapi({ description: "A contact is active at a moment if it had an event in the days before it" }),
    orderEvent: EventName.default("order_completed"),
    revenueEvents: z.array(EventName).min(1).max(10).default(["order_completed", "subscription_renewed"]),
    communityEvents: z
      .array(EventName)
      .min(1)
      .max(20)
      .default(["community_post", "community_comment", "feedback_vote", "feedback_post", "event_attended"]),
    engagementWeights: z
      .record(EventName, z.number().min(-100).max(100))
      .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= 30, "Between 1 and 30 events")
      .default({ login: 1, feature_used: 2, order_completed: 5, community_post: 3, referral_sent: 4 }),
    engagementFullScore: z
      .number()
      .positive()
      .max(100_000)
      .default(30)
      .openapi({ description: "Weighted points in the range that make a contact's score 100" }),
  })
  .openapi("KpiSettings");
export type KpiSettings = z.infer<typeof KpiSettingsSchema>;

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
  return settings;
}
