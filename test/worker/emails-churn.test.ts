import { describe, expect, it } from "vitest";
import { absenceConfidence, churnRisk, DAY } from "../../worker/emails/churn.ts";

const NOW = Date.UTC(2026, 5, 30, 12);
const today = Math.floor(NOW / DAY);
/** Active on each of these days ago. */
const history = (daysAgo: number[]) => ({
  days: daysAgo.map((d) => today - d),
  lastEventAt: daysAgo.length ? NOW - Math.min(...daysAgo) * DAY : null,
});
const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe("churn risk", () => {
  it("is zero for someone active today and for someone never active", () => {
    expect(churnRisk({ now: NOW, ...history(range(0, 55)) })).toBe(0);
    expect(churnRisk({ now: NOW, days: [], lastEventAt: null })).toBe(0);
  });

  it("is high for a daily user gone five days, low for a weekly user gone three", () => {
    const daily = churnRisk({ now: NOW, ...history(range(5, 55)) });
    const weekly = churnRisk({ now: NOW, ...history(range(3, 55, 7)) });
    expect(daily).toBeGreaterThanOrEqual(0.7);
    expect(weekly).toBeLessThan(0.3);
  });

  it("rises with a falling trend at the same recency and habit", () => {
    // Both active 20 of the last 56 days, last seen 3 days ago.
    const steady = churnRisk({ now: NOW, ...history([...range(3, 29, 3), ...range(30, 55, 2).slice(0, 10)]) });
    const falling = churnRisk({ now: NOW, ...history([3, 10, 20, ...range(28, 55).slice(0, 17)]) });
    expect(falling).toBeGreaterThan(steady);
  });

  it("grows with time away and stays within [0, 1]", () => {
    let last = -1;
    for (const away of [1, 2, 4, 8, 16, 40]) {
      const r = churnRisk({ now: NOW, ...history(range(away, away + 40)) });
      expect(r).toBeGreaterThanOrEqual(last);
      expect(r).toBeLessThanOrEqual(1);
      last = r;
    }
  });
});

describe("absence confidence", () => {
  it("a broken daily habit scores high, a weekly one low, a single event 0.5", () => {
    const t = NOW - 3 * DAY;
    expect(absenceConfidence({ count: 20, firstAt: t - 19 * DAY, lastAt: t, now: NOW })).toBeGreaterThan(0.9);
    expect(absenceConfidence({ count: 4, firstAt: t - 21 * DAY, lastAt: t, now: NOW })).toBeLessThan(0.5);
    expect(absenceConfidence({ count: 1, firstAt: t, lastAt: t, now: NOW })).toBe(0.5);
  });
});
