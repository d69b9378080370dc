// Churn risk from a contact's activity: recency, frequency and trend. Pure, tested on constructed histories.

export const DAY = 86_400_000;
/** How far back the score looks: two 28-day halves. */
export const CHURN_WINDOW_DAYS = 56;

/**
 * churn risk = R × (0.8 + 0.2·T) × (0.6 + 0.4·F), in [0, 1], where over the last 56 days
 *  - g = 56 / max(1, active days)           the contact's usual gap between active days
 *  - R = 1 − exp(−daysSinceLastEvent / g)   recency, relative to their own habit: a daily user
 *                                           gone 3 days scores 0.95, a weekly user 0.35
 *  - T = max(0, (prev28 − last28) / prev28) trend: the drop in active days from the earlier
 *                                           28 days to the last 28 (0 when none before)
 *  - F = min(1, active days / 16)           frequency: how habitual the contact was
 * Recency dominates (no recent absence, no risk); a falling trend and a strong habit raise it.
 * A contact with no activity at all scores 0: they never engaged, so there is nothing to lose.
 *
 * @param days active days as UTC day numbers (floor(ms / 86400000)), any order, any range
 */
export function churnRisk(input: { now: number; lastEventAt: number | null; days: number[] }): number {
  if (input.lastEventAt === null) return 0;
  const today = Math.floor(input.now / DAY);
  let last28 = 0;
  let prev28 = 0;
  for (const d of new Set(input.days)) {
    const age = today - d;
    if (age < 0) continue;
    if (age < 28) last28++;
    else if (age < CHURN_WINDOW_DAYS) prev28++;
  }
  const active = last28 + prev28;
  const gap = CHURN_WINDOW_DAYS / Math.max(1, active);
  const away = Math.max(0, (input.now - input.lastEventAt) / DAY);
  const recency = 1 - Math.exp(-away / gap);
  const trend = prev28 > 0 ? Math.max(0, (prev28 - last28) / prev28) : 0;
  const frequency = Math.min(1, active / 16);
  const risk = recency * (0.8 + 0.2 * trend) * (0.6 + 0.4 * frequency);
  return Math.round(Math.min(1, Math.max(0, risk)) * 1000) / 1000;
}

/**
 * Confidence that an absence of `event` matters: 1 − exp(−daysAbsent / usualGap), where the
 * usual gap is the mean time between the contact's occurrences of it (first to last over
 * count − 1). A daily habit missed for 3 days scores 0.95; a weekly one 0.35. One occurrence
 * gives no habit to measure: 0.5.
 */
export function absenceConfidence(s: { count: number; firstAt: number; lastAt: number; now: number }): number {
  if (s.count < 2) return 0.5;
  const gapDays = Math.max(1, (s.lastAt - s.firstAt) / DAY / (s.count - 1));
  const away = Math.max(0, (s.now - s.lastAt) / DAY);
  return Math.round((1 - Math.exp(-away / gapDays)) * 1000) / 1000;
}
