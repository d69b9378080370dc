// What one visitor's writes may add up to before they wait or are held for review.

/** A vote in a burst: this many votes in the last hour on one post from identities first seen within a day. */
export const BURST = { votes: 10, windowMs: 60 * 60_000, newIdentityMs: 24 * 60 * 60_000 };

/** Posts a visitor may create per hour, on top of the per-minute write throttle. */
export const POSTS_PER_HOUR = 10;
/** The window `POSTS_PER_HOUR` counts over. */
export const POST_WINDOW_MS = 3_600_000;

/** `VOTES_PER_MINUTE`: votes and removals per visitor a minute (each isolate counts its own); 30 unless set. */
export function votesPerMinute(env: Pick<Env, "VOTES_PER_MINUTE">): number {
  const n = Number(env.VOTES_PER_MINUTE);
  return Number.isFinite(n) && n > 0 ? n : 30;
}
