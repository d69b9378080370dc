const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The time part of an id made at `ms`: ten Crockford base-32 digits, sorting as the times do. */
export function idTime(ms: number): string {
  let time = "";
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** Time-ordered id (ULID layout) with a readable prefix, e.g. `key_01J…`. Sorts by creation. */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${idTime(now)}${randomString(16, CROCKFORD)}`;
}

/** The smallest id `newId(prefix, ms)` can make: every id made before `ms` sorts below it. */
export const idsBefore = (prefix: string, ms: number) => `${prefix}_${idTime(ms)}`;

// Random bytes drawn in 4 KiB blocks: one getRandomValues call per ~250 ids instead of one per id.
const pool = new Uint8Array(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  return pool[used++];
}

/** Uniform random string over `alphabet` (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    const b = randomByte();
    if (b < limit) out += alphabet[b % alphabet.length];
  }
  return out;
}
