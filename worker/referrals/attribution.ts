/** Whether a conversion attributes its customer to a referral, and whether it qualifies the referral. */
import type { QualifyingEvent, referralAttributions } from "../../db/schema/index.ts";
import { REVERSING_EVENTS } from "./fraud.ts";

export type Attribution = typeof referralAttributions.$inferSelect;

const DAY = 86_400_000;
/** Clocks differ: a conversion may be stamped slightly before the click that led to it. */
const CLOCK_SKEW = 5 * 60_000;

/** A conversion stamped later than `now` by more than the clocks may differ. */
export const inFuture = (occurredAt: number, now: number) => occurredAt > now + CLOCK_SKEW;

export function qualifies(q: QualifyingEvent, event: string, occurredAt: number, signedUpAt: number): boolean {
  if (REVERSING_EVENTS.has(event)) return false;
  return q.type === "event" ? q.event === event : occurredAt >= signedUpAt + q.days * DAY;
}

/**
 * Why a click (at `clickAt`) or code does not attribute a new customer to its link, or null
 * when it does: the program is archived, the conversion is outside the window, or it reverses
 * something that was never attributed.
 */
export function notAttributedReason(
  program: { state: string; windowDays: number },
  event: string,
  occurredAt: number,
  clickAt: number,
): "program_archived" | "outside_window" | "nothing_to_reverse" | null {
  if (program.state !== "active") return "program_archived";
  if (occurredAt + CLOCK_SKEW < clickAt || occurredAt - clickAt > program.windowDays * DAY) return "outside_window";
  if (REVERSING_EVENTS.has(event)) return "nothing_to_reverse";
  return null;
}

/** The click ids the visitor's attribution cookies hold: the latest first, one per program. */
export function attributionFromCookies(jar: Record<string, string>) {
  const all = Object.entries(jar)
    .filter(([k, v]) => k.startsWith("rapport_ref_") && /^clk_[0-9A-Z]{26}_[A-Z0-9-]{3,40}$/.test(v))
    .map(([k, v]) => ({ programId: k.slice("rapport_ref_".length), clickId: v }))
    .sort((a, b) => (a.clickId < b.clickId ? 1 : -1));
  return { clickId: all[0]?.clickId ?? null, programId: all[0]?.programId ?? null, all };
}
