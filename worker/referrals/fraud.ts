/** Fraud rules for a referral. Each returns the rule's name when it fires; names go in the ledger. */

/** A small built-in list; the big public lists change weekly and belong in configuration. */
export const DISPOSABLE_DOMAINS = new Set([
  "mailinator.com",
  "guerrillamail.com",
  "guerrillamail.net",
  "10minutemail.com",
  "tempmail.com",
  "temp-mail.org",
  "yopmail.com",
  "trashmail.com",
  "getnada.com",
  "sharklasers.com",
  "dispostable.com",
  "maildrop.cc",
  "throwawaymail.com",
  "fakeinbox.com",
  "mailnesia.com",
  "tempr.email",
  "discard.email",
  "mohmal.com",
  "emailondeck.com",
  "mintemail.com",
]);

export type FraudInput = {
  referrerEmail: string | null;
  customerEmail: string | null;
  sameContact: boolean;
  /** The customer's click visitor hash was also seen on clicks the referrer made themselves. */
  visitorMatchesReferrer: boolean;
  referrerSignupsLastDay: number;
  visitorSignupsLastDay: number;
  velocity: { perReferrerPerDay: number; perVisitorPerDay: number };
};

/** The mailbox an address delivers to: lowercased, `+tag` stripped. */
export function canonicalEmail(email: string): string {
  const [local, domain = ""] = email.toLowerCase().split("@");
  return `${local.split("+")[0]}@${domain}`;
}

export function fraudFlags(f: FraudInput): string[] {
  const flags: string[] = [];
  const a = f.referrerEmail?.toLowerCase();
  const b = f.customerEmail?.toLowerCase();
  if (f.sameContact || (a && b && a === b)) flags.push("self_referral_email");
  else if (a && b && canonicalEmail(a) === canonicalEmail(b)) flags.push("self_referral_email_alias");
  if (f.visitorMatchesReferrer) flags.push("self_referral_visitor");
  if (b && DISPOSABLE_DOMAINS.has(b.split("@")[1] ?? "")) flags.push("disposable_email");
  if (f.referrerSignupsLastDay >= f.velocity.perReferrerPerDay) flags.push("velocity_referrer");
  if (f.visitorSignupsLastDay >= f.velocity.perVisitorPerDay) flags.push("velocity_visitor");
  return flags;
}

export const REVERSING_EVENTS = new Set(["refund", "chargeback", "cancellation"]);
