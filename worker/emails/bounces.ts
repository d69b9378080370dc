// Which providers' webhook events suppress an address: hard bounces and spam complaints. A soft
// bounce or a delivery notice suppresses nothing.
import type { PostmarkEventT, ResendEventT } from "./schemas.ts";

export type Suppression = { email: string; reason: "bounced" | "complained" };

/** Postmark: a bounce that is hard or made the address inactive, or a spam complaint. */
export function postmarkSuppressions(e: PostmarkEventT): Suppression[] {
  const email = e.Email ?? e.Recipient;
  const hard = e.RecordType === "Bounce" && (e.Inactive === true || e.Type === "HardBounce");
  const complaint = e.RecordType === "SpamComplaint";
  return email && (hard || complaint) ? [{ email, reason: complaint ? "complained" : "bounced" }] : [];
}

/** Resend: `email.bounced` when permanent (the default when unsaid), or `email.complained`. */
export function resendSuppressions(e: ResendEventT): Suppression[] {
  const permanent = e.type === "email.bounced" && (e.data.bounce?.type ?? "Permanent") === "Permanent";
  const reason = e.type === "email.complained" ? "complained" : permanent ? "bounced" : null;
  return reason ? (e.data.to ?? []).map((email) => ({ email, reason })) : [];
}
