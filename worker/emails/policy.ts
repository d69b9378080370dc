// When a message may go out: quiet hours in the contact's timezone and the rolling weekly cap.
// Pure functions of time, so they are tested with fixed dates.

export const WEEK = 7 * 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `tz` is an IANA zone the runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock parts of `ms` in `tz`. */
export function localParts(ms: number, tz: string) {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a wall-clock time in `tz` names (day may overflow, as with Date.UTC). */
function zonedToUtc(y: number, m: number, d: number, hh: number, mm: number, tz: string): number {
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const first = guess - offsetAt(guess, tz);
  return guess - offsetAt(first, tz);
}

/** The first instant at or after `ms` when it is `hh:mm` in `tz`. */
export function nextLocalTime(ms: number, tz: string, hh: number, mm: number): number {
  const p = localParts(ms, tz);
  for (let add = 0; add < 3; add++) {
    const t = zonedToUtc(p.year, p.month, p.day + add, hh, mm, tz);
    if (t >= ms) return t;
  }
  return ms + 86_400_000;
}

export type QuietHours = { start: number; end: number } | null;

/** "21:00-08:00" -> minutes of the day; empty or "off" -> no quiet hours. */
export function parseQuietHours(spec: string | undefined): QuietHours {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec((spec ?? "").trim());
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return start === end || start >= 1440 || end >= 1440 ? null : { start, end };
}

/** When the quiet hours in effect at `ms` end, or null when `ms` is not in quiet hours. */
export function quietUntil(ms: number, tz: string, quiet: QuietHours): number | null {
  if (!quiet) return null;
  const p = localParts(ms, tz);
  const minute = p.hour * 60 + p.minute;
  const inside =
    quiet.start < quiet.end ? minute >= quiet.start && minute < quiet.end : minute >= quiet.start || minute < quiet.end;
  return inside ? nextLocalTime(ms, tz, Math.floor(quiet.end / 60), quiet.end % 60) : null;
}

/**
 * When one more message fits under `cap` per rolling week, given the send times of the
 * last week; null when it fits now.
 */
export function capFreesAt(sentTimes: number[], cap: number, now: number): number | null {
  const recent = sentTimes.filter((t) => t > now - WEEK).sort((a, b) => a - b);
  if (recent.length < cap) return null;
  // The oldest sends must age out until only cap - 1 remain.
  return recent[recent.length - cap] + WEEK + 1;
}

/** Marketing emails per contact per rolling week: EMAIL_WEEKLY_CAP, 3 unless set to a positive whole number. */
export const weeklyCap = (env: Pick<Env, "EMAIL_WEEKLY_CAP">) => {
  const n = Number(env.EMAIL_WEEKLY_CAP);
  return Number.isInteger(n) && n > 0 ? n : 3;
};
