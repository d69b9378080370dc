// Signed one-click score links: they let one contact answer one survey from an email without signing in.
import { hmacSha256, timingSafeEqual, toHex } from "../lib/crypto.ts";
import { Problem } from "../lib/problem.ts";

/** The signature that lets one contact answer one survey from an email without signing in. */
export async function npsSignature(secret: string, surveyId: string, contactId: string): Promise<string> {
  return toHex(await hmacSha256(secret, `nps:${surveyId}:${contactId}`)).slice(0, 32);
}

export async function verifyNpsSignature(secret: string, surveyId: string, contactId: string, sig: string) {
  return !!secret && timingSafeEqual(await npsSignature(secret, surveyId, contactId), sig);
}

/** The eleven one-click links (0-10) for an email to `contactId`. */
export async function npsLinks(env: Pick<Env, "PUBLIC_URL" | "SIGNING_SECRET">, surveyId: string, contactId: string) {
  if (!env.SIGNING_SECRET) throw new Problem(500, "internal", "Set the SIGNING_SECRET secret to sign NPS links");
  const s = await npsSignature(env.SIGNING_SECRET, surveyId, contactId);
  const base = env.PUBLIC_URL.replace(/\/$/, "");
  return Array.from({ length: 11 }, (_, score) => ({
    score,
    url: `${base}/nps/${encodeURIComponent(surveyId)}/${score}?c=${encodeURIComponent(contactId)}&s=${s}`,
  }));
}
