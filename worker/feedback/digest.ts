// The monthly digest's calendar: which month a time falls in, its bounds, which months have a digest.
import { postUrl } from "./answers.ts";

export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** The month before the one `now` falls in (the digest the cron asks for). */
export function lastMonthOf(now: number) {
  const d = new Date(now);
  return monthOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
}

/** Whether `month` (YYYY-MM) names a month that has begun by `now`: only those have a digest page. */
export const isDigestMonth = (month: string, now: number) =>
  /^\d{4}-(0[1-9]|1[0-2])$/.test(month) && month <= monthOf(now);

export function monthRange(month: string) {
  const [y, m] = month.split("-").map(Number);
  return { from: Date.UTC(y, m - 1, 1), to: Date.UTC(y, m, 1) };
}

/** One idea as the digest lists it. */
export const digestItem = (
  r: { id: string; title: string; status: string; voteCount: number; boardSlug: string },
  baseUrl: string,
) => ({
  id: r.id,
  title: r.title,
  status: r.status,
  voteCount: r.voteCount,
  board: r.boardSlug,
  url: postUrl(baseUrl, r.boardSlug, r.id),
});
