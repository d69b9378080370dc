import { sql } from "drizzle-orm";
import { chunk, type Db } from "../lib/db.ts";
import { z } from "../lib/openapi.ts";

const HOUR = 3_600_000;
const opt = (max: number) => z.string().max(max).nullable();

/** One click as the redirect saw it. */
export const ClickMessage = z.object({
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

/** The queue message (kind `referrals.click`): the clicks of one isolate's short window. */
export const ClicksMessage = z.object({
  kind: z.literal("referrals.click"),
  clicks: z.array(ClickMessage).min(1).max(100),
});

const COLUMNS = [
  ["id", "id"],
  ["link_id", "linkId"],
  ["program_id", "programId"],
  ["referrer_id", "referrerId"],
  ["at", "at"],
  ["country", "country"],
  ["city", "city"],
  ["device", "device"],
  ["referrer_host", "referrerHost"],
  ["utm_source", "utmSource"],
  ["utm_medium", "utmMedium"],
  ["utm_campaign", "utmCampaign"],
  ["visitor_hash", "visitorHash"],
  ["by_referrer", "byReferrer"],
] as const;
const INTO = sql.raw(COLUMNS.map(([c]) => c).join(", "));
const FROM_JSON = sql.raw(COLUMNS.map(([, k]) => `j.value ->> '$.${k}'`).join(", "));

/**
 * Writes a batch of clicks in one statement (the batch travels as one JSON parameter),
 * idempotent by click id. A click whose visitor hash was already seen on the same link
 * within the hour (earlier in the batch, or already in D1) is kept, flagged `duplicate`.
 */
export async function recordClicks(db: Db, clicks: ClickMessage[]): Promise<void> {
  if (!clicks.length) return;
  // In time order the latest earlier click of a visitor on a link is the nearest one: O(n) even
  // when one visitor floods a link. Only a pair's first click in the batch needs D1 to tell.
  const last = new Map<string, number>();
  const rows = [...clicks]
    .sort((a, b) => a.at - b.at)
    .map((c) => {
      const key = `${c.visitorHash}|${c.linkId}`;
      const prev = last.get(key);
      last.set(key, c.at);
      const dup = prev !== undefined && c.at - prev < HOUR ? 1 : 0;
      return { ...c, byReferrer: c.byReferrer ? 1 : 0, dup, first: prev === undefined ? 1 : 0 };
    });
  for (const part of chunk(rows, 500)) {
    await db.run(sql`INSERT INTO referral_clicks (${INTO}, duplicate)
      SELECT ${FROM_JSON}, CASE WHEN j.value ->> '$.dup' THEN 1 WHEN j.value ->> '$.first' THEN EXISTS (
        SELECT 1 FROM referral_clicks k INDEXED BY referral_clicks_visitor_idx WHERE k.visitor_hash = j.value ->> '$.visitorHash'
          AND k.link_id = j.value ->> '$.linkId' AND k.id <> j.value ->> '$.id'
          AND k.at > (j.value ->> '$.at') - ${HOUR} AND k.at <= j.value ->> '$.at') ELSE 0 END
      FROM json_each(${JSON.stringify(part)}) j WHERE true
      ON CONFLICT (id) DO NOTHING`);
  }
}
