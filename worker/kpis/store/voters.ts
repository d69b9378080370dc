// The feedback loop behind the Feedback-Implementation Ratio: voters told their idea shipped, and who came back.
import { cameBackAfter } from "../../emails/index.ts";
import { shippedIdeaNotices } from "../../feedback/index.ts";
import type { Db } from "../../lib/db.ts";
import type { Range } from "../../lib/range.ts";

/** A person told counts as back with an event on one of this many UTC days after the day they were told. */
export const CAME_BACK_DAYS = 30;

/**
 * For ideas shipped in `range`: how many, how many people their notice was for, how many were told
 * (sent the notice), and how many of those came back (any event on one of the 30 UTC days after the day
 * they were told). People are counted once however many shipped ideas they followed.
 */
export async function shippedVotersLoop(db: Db, range: Range) {
  const { ideas, voters, told } = await shippedIdeaNotices(db, range);
  const back = await cameBackAfter(db, told, CAME_BACK_DAYS);
  return {
    ideas,
    voters,
    told: new Set(told.map((t) => t.contactId)).size,
    cameBack: back.size,
    windowDays: CAME_BACK_DAYS,
  };
}
