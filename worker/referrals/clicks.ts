import { and, gte, inArray } from "drizzle-orm";
import { referralClicks } from "../../db/schema/index.ts";
import { chunk, type Db, rowsPerInsert } from "../lib/db.ts";
import { z } from "../lib/openapi.ts";

const HOUR = 3_600_000;
const opt = (max: number) => z.string().max(max).nullable();

/** The queue message for one click (kind `referrals.click`). */
export const ClickMessage = z.object({
  kind: z.literal("referrals.click"),
  id: z.string().min(1).max(100),
  linkId: z.string().min(1).max(64),
  programId: z.string().min(1).max(64),
  referrerId: opt(64),
  at: z.number().int(),
  country: opt(8),
  city: opt(100),
  device: z.string().max(16),
  referrerHost: opt(253),
  utmSource: opt(100),
  utmMedium: opt(100),
  utmCampaign: opt(100),
  visitorHash: z.string().min(1).max(64),
  byReferrer: z.boolean().default(false),
});
export type ClickMessage = z.infer<typeof ClickMessage>;

/**
 * Writes clicks in multi-row inserts, idempotent by click id. A click from a visitor hash
 * already seen on the same link within the hour is kept, flagged `duplicate`.
 */
export async function recordClicks(db: Db, clicks: ClickMessage[]): Promise<void> {
  if (!clicks.length) return;
  const sorted = [...clicks].sort((a, b) => a.at - b.at);
  const since = sorted[0].at - HOUR;
  const seen = new Map<string, number[]>();
  for (const part of chunk([...new Set(sorted.map((c) => c.visitorHash))], 90)) {
    const prior = await db
      .select({
        id: referralClicks.id,
        linkId: referralClicks.linkId,
        hash: referralClicks.visitorHash,
        at: referralClicks.at,
      })
      .from(referralClicks)
      .where(and(inArray(referralClicks.visitorHash, part), gte(referralClicks.at, since)));
    for (const p of prior) {
      if (clicks.some((c) => c.id === p.id)) continue; // a redelivery of this very click
      const key = `${p.hash}|${p.linkId}`;
      seen.set(key, [...(seen.get(key) ?? []), p.at]);
    }
  }
  const rows = sorted.map(({ kind: _kind, ...c }) => {
    const key = `${c.visitorHash}|${c.linkId}`;
    const times = seen.get(key) ?? [];
    const duplicate = times.some((t) => t <= c.at && c.at - t < HOUR);
    seen.set(key, [...times, c.at]);
    return { ...c, duplicate };
  });
  const inserts = chunk(rows, rowsPerInsert(15)).map((part) =>
    db.insert(referralClicks).values(part).onConflictDoNothing(),
  );
  await db.batch(inserts as [(typeof inserts)[number], ...typeof inserts]);
}
