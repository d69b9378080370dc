const enc = new TextEncoder();

export function toHex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function toBase64(buf: ArrayBuffer | Uint8Array): string {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

export async function sha256Hex(input: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", enc.encode(input)));
}

/** Imported HMAC keys by secret: the hot paths sign with the same few secrets on every request. */
const hmacKeys = new Map<string, CryptoKey>();
const MAX_HMAC_KEYS = 20;

async function importHmacKey(key: Uint8Array | string): Promise<CryptoKey> {
  const cached = typeof key === "string" ? hmacKeys.get(key) : undefined;
  if (cached) return cached;
  const raw = typeof key === "string" ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  if (typeof key === "string") {
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    hmacKeys.set(key, k);
  }
  return k;
}

export async function hmacSha256(key: Uint8Array | string, message: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await importHmacKey(key), enc.encode(message));
}

/** Constant-time comparison of two strings of possibly different lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = enc.encode(a);
  const bb = enc.encode(b);
  let diff = ab.length ^ bb.length;
  for (let i = 0; i < Math.max(ab.length, bb.length); i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}
