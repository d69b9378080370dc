// Who may be sent what: consent per topic, read from a contact's email profile.
import type { ConsentTopic, emailProfiles } from "../../db/schema/index.ts";

const CONSENT_COLUMN = {
  marketing: "consentMarketing",
  product_updates: "consentProductUpdates",
  status_notifications: "consentStatusNotifications",
} as const;

/** Marketing is opt-in (GDPR); product updates and status notifications are opt-out. */
export function consents(profile: typeof emailProfiles.$inferSelect | null, topic: ConsentTopic): boolean {
  const v = profile?.[CONSENT_COLUMN[topic]];
  return topic === "marketing" ? v === true : v !== false;
}

/** Consent to each topic. */
export function consentOf(profile: typeof emailProfiles.$inferSelect | null): Record<ConsentTopic, boolean> {
  return {
    marketing: consents(profile, "marketing"),
    product_updates: consents(profile, "product_updates"),
    status_notifications: consents(profile, "status_notifications"),
  };
}
