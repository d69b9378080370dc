// How fast a post's activity stops counting towards its trending score.

/** Trending looks at the last 30 days; an event's weight halves after `HALF_WEIGHT_MS` (1 / (1 + age/h)). */
export const TRENDING = { windowMs: 30 * 86_400_000, halfWeightMs: 3 * 86_400_000, commentWeight: 1.5 };
/** One trending run per slot: the cron asks every minute, the queue does it once per 10 minutes. */
export const TRENDING_SLOT_MS = 10 * 60_000;

/** Weight of one vote or comment `ageMs` old (1 when fresh, ½ after three days, ~0.09 at 30 days). */
export const decay = (ageMs: number) => 1 / (1 + Math.max(0, ageMs) / TRENDING.halfWeightMs);
