// What a known person does in a referral program, as activity on the contact graph (once per key).
import { sql } from "drizzle-orm";
import type { RewardState } from "../../../db/schema/index.ts";
import { type Activity, activityStatements } from "../../emails/index.ts";
import type { Db } from "../../lib/db.ts";

type RewardOf = { id: string; contactId: string; programId: string; side: string; reward: unknown };

/** The activity a reward's transition to `to` means for its recipient: earned (held or approved) or paid. */
const rewardEvent = (to: RewardState) =>
  to === "paid" ? "referral_reward_paid" : to === "held" || to === "approved" ? "referral_reward_earned" : null;

/**
 * Statements recording rewards reaching `to` (after their transitions in the same batch): each only if
 * the reward is in that state when the batch runs, once per reward and event.
 */
export function rewardActivity(db: Db, rewards: RewardOf[], to: RewardState, now: number) {
  const event = rewardEvent(to);
  if (!event) return [];
  const states = to === "paid" ? sql`'paid'` : sql`'held', 'approved', 'paid'`;
  const activities: Activity[] = rewards.map((r) => ({
    contactId: r.contactId,
    event,
    key: `${event}:${r.id}`,
    at: now,
    properties: { rewardId: r.id, programId: r.programId, side: r.side, reward: r.reward },
  }));
  return activityStatements(
    db,
    activities,
    now,
    sql`exists (select 1 from referral_rewards r where r.id = v.properties ->> '$.rewardId' and r.state in (${states}))`,
  );
}

/** A customer enrolled as a referrer of `programId`, once. */
export const enrolled = (db: Db, programId: string, contactId: string, now: number) =>
  activityStatements(
    db,
    [
      {
        contactId,
        event: "referral_enrolled",
        key: `referral_enrolled:${programId}:${contactId}`,
        at: now,
        properties: { programId },
      },
    ],
    now,
  );

/** A referred customer's conversion counted for a program (its conversion id makes it once). */
export const converted = (
  db: Db,
  c: { conversionId: string; customerId: string; programId: string; event: string; qualified: boolean },
  at: number,
  now: number,
) =>
  activityStatements(
    db,
    [
      {
        contactId: c.customerId,
        event: "referral_converted",
        key: `referral_converted:${c.conversionId}`,
        at,
        properties: { programId: c.programId, conversionEvent: c.event, qualified: c.qualified },
      },
    ],
    now,
  );

type ClickOf = {
  id: string;
  contactId: string;
  at: number;
  linkId: string;
  programId: string;
  referrerId: string | null;
};

/**
 * Statements recording clicks by signed-in visitors (after the clicks' insert in the same batch): once
 * per click id, and only for a click that counts (not a repeat visit within the hour).
 */
export const clicked = (db: Db, clicks: ClickOf[], now: number) =>
  activityStatements(
    db,
    clicks.map((c) => ({
      contactId: c.contactId,
      event: "referral_clicked",
      key: `referral_clicked:${c.id}`,
      at: c.at,
      properties: { clickId: c.id, programId: c.programId, linkId: c.linkId, referrerId: c.referrerId },
    })),
    now,
    sql`exists (select 1 from referral_clicks k where k.id = v.properties ->> '$.clickId' and k.duplicate = 0)`,
  );
