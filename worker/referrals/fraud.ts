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

export type Evidence = { rule: string; title: string; detail: string; facts: Record<string, string | number | null> };

/**
 * What each rule that fired saw, in words a reviewer reads next to Approve/Reverse. `f` is the
 * referral's input to the rules, measured again now (velocity counts the day before its sign-up,
 * so they are what the rule saw).
 */
const signups = (n: number) => `${n} sign-up${n === 1 ? "" : "s"}`;

export function fraudEvidence(flags: string[], f: FraudInput, signedUpAt: number | null): Evidence[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const windowFacts = {
    windowFrom: signedUpAt === null ? null : iso(signedUpAt - 86_400_000),
    windowTo: signedUpAt === null ? null : iso(signedUpAt),
  };
  const emails = { referrerEmail: f.referrerEmail, refereeEmail: f.customerEmail };
  const explain: Record<string, () => Omit<Evidence, "rule">> = {
    self_referral_email: () => ({
      title: "Same email",
      detail: f.sameContact
        ? "The referee is the referrer themself (the same customer)."
        : `The referrer and the referee use the same email address (${f.customerEmail}).`,
      facts: emails,
    }),
    self_referral_email_alias: () => ({
      title: "Same mailbox",
      detail: `${f.referrerEmail} and ${f.customerEmail} deliver to the same mailbox once the +tag is removed.`,
      facts: { ...emails, mailbox: f.customerEmail ? canonicalEmail(f.customerEmail) : null },
    }),
    self_referral_visitor: () => ({
      title: "Same browser",
      detail:
        "The referee signed up from the browser (same address and user agent that day) in which the referrer opened their own link.",
      facts: {},
    }),
    disposable_email: () => {
      const domain = f.customerEmail?.split("@")[1] ?? null;
      return {
        title: "Disposable email domain",
        detail: `The referee's address is at ${domain}, a disposable email service.`,
        facts: { refereeEmail: f.customerEmail, domain },
      };
    },
    velocity_referrer: () => ({
      title: "Velocity: referrer",
      detail: `${signups(f.referrerSignupsLastDay)} came through this referrer in the 24 hours before this one; the program allows ${f.velocity.perReferrerPerDay} a day.`,
      facts: { signups: f.referrerSignupsLastDay, limit: f.velocity.perReferrerPerDay, ...windowFacts },
    }),
    velocity_visitor: () => ({
      title: "Velocity: visitor",
      detail: `${signups(f.visitorSignupsLastDay)} came from the same visitor in the 24 hours before this one; the program allows ${f.velocity.perVisitorPerDay} a day.`,
      facts: { signups: f.visitorSignupsLastDay, limit: f.velocity.perVisitorPerDay, ...windowFacts },
    }),
  };
  return flags.map((rule) => ({
    rule,
    ...(explain[rule]?.() ?? { title: rule, detail: "A fraud rule held this reward.", facts: {} }),
  }));
}
