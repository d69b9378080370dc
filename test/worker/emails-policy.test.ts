import { describe, expect, it } from "vitest";
import { capFreesAt, nextLocalTime, parseQuietHours, quietUntil, WEEK } from "../../worker/emails/policy.ts";

describe("quiet hours and local times", () => {
  const quiet = parseQuietHours("21:00-08:00");

  it("knows quiet hours in the contact's own timezone, across midnight", () => {
    const t = Date.UTC(2026, 0, 15, 3, 30); // 03:30 UTC = 12:30 in Tokyo, 22:30 the day before in New York
    expect(quietUntil(t, "Asia/Tokyo", quiet)).toBeNull();
    expect(quietUntil(t, "America/New_York", quiet)).toBe(Date.UTC(2026, 0, 15, 13, 0));
    expect(quietUntil(t, "UTC", quiet)).toBe(Date.UTC(2026, 0, 15, 8, 0));
    expect(quietUntil(t, "UTC", parseQuietHours("off"))).toBeNull();
  });

  it("finds the next 9:00 in a timezone, across a DST change", () => {
    // Europe/Paris moves to summer time on 29 March 2026.
    const sat = Date.UTC(2026, 2, 28, 10, 0); // 11:00 in Paris (CET)
    expect(nextLocalTime(sat, "Europe/Paris", 9, 0)).toBe(Date.UTC(2026, 2, 29, 7, 0)); // 09:00 CEST
    expect(nextLocalTime(Date.UTC(2026, 2, 28, 7, 0), "Europe/Paris", 9, 0)).toBe(Date.UTC(2026, 2, 28, 8, 0));
  });

  it("frees a cap slot when the oldest send of the window is a week old", () => {
    const now = Date.UTC(2026, 0, 10);
    expect(capFreesAt([now - 1000, now - 2000], 3, now)).toBeNull();
    expect(capFreesAt([now - 1000, now - 2000, now - 3000], 3, now)).toBe(now - 3000 + WEEK + 1);
    expect(capFreesAt([now - WEEK - 1, now - 2000, now - 3000], 3, now)).toBeNull();
  });
});
