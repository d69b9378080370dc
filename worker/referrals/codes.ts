import { randomString } from "../lib/ids.ts";

/** Typeable: no 0/O/1/I, so a code read aloud or copied by hand survives. 32 symbols. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const CODE_LENGTH = 8;

/** Any code the redirect accepts (generated or custom), checked before any lookup. Case-insensitive. */
export const CODE_PATTERN = /^[A-Za-z0-9-]{3,40}$/;

export function newCode(): string {
  return randomString(CODE_LENGTH, CODE_ALPHABET);
}

/** The canonical form of a code from a URL, or null when it cannot be one. */
export function normalizeCode(raw: string): string | null {
  return CODE_PATTERN.test(raw) ? raw.toUpperCase() : null;
}

/**
 * Click ids carry their link's code, so a conversion can be attributed even before the
 * queue has written the click row: `clk_<ULID>_<CODE>`.
 */
export const CLICK_ID_PATTERN = /^clk_([0-9A-HJKMNP-TV-Z]{26})_([A-Z0-9-]{3,40})$/;

export function parseClickId(id: string): { code: string; at: number } | null {
  const m = CLICK_ID_PATTERN.exec(id);
  if (!m) return null;
  const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let at = 0;
  for (const ch of m[1].slice(0, 10)) at = at * 32 + crockford.indexOf(ch);
  return { code: m[2], at };
}
