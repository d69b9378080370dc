// Signed, login-free links in emails (unsubscribe, preferences, open pixel, clicks).
import { hmacSha256, sha256Hex, timingSafeEqual } from "../lib/crypto.ts";

const b64url = (buf: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** HMAC-SHA256 of `purpose:value` with SIGNING_SECRET, base64url, 128 bits. */
export async function signLink(secret: string, purpose: string, value: string): Promise<string> {
  return b64url(await hmacSha256(secret, `${purpose}:${value}`)).slice(0, 22);
}

export async function verifyLink(secret: string, purpose: string, value: string, sig: string): Promise<boolean> {
  return timingSafeEqual(await signLink(secret, purpose, value), sig);
}

/** What the suppression list keeps of an address: its SHA-256, lowercased and trimmed. */
export const addressHash = (email: string) => sha256Hex(email.trim().toLowerCase());

export const baseUrl = (env: Env) => (env.PUBLIC_URL || "http://127.0.0.1:8787").replace(/\/+$/, "");

export async function unsubscribeUrl(env: Env, messageId: string) {
  return `${baseUrl(env)}/e/u/${messageId}/${await signLink(env.SIGNING_SECRET, "u", messageId)}`;
}

export async function preferencesUrl(env: Env, contactId: string) {
  return `${baseUrl(env)}/e/p/${contactId}/${await signLink(env.SIGNING_SECRET, "p", contactId)}`;
}
