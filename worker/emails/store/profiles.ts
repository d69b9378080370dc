// Email profiles: a contact's consent per topic, unsubscribe, and what identify calls say of them.
import { eq, type SQL, sql } from "drizzle-orm";
import { type ConsentTopic, emailProfiles } from "../../../db/schema/index.ts";
import { changesOf, type Db, execBatch } from "../../lib/db.ts";
import { emit } from "../../lib/webhooks.ts";
import { getContactOrThrow } from "./contacts.ts";

export async function profileOf(db: Db, contactId: string) {
  return db.query.emailProfiles.findFirst({ where: eq(emailProfiles.contactId, contactId) });
}

/** Sets consent per topic from the admin API (null: never said); consenting to any topic ends an unsubscribe. */
export async function setConsent(
  db: Db,
  id: string,
  consent: Partial<Record<ConsentTopic, boolean | null>>,
  now = Date.now(),
) {
  await getContactOrThrow(db, id);
  if (!changesOf(consent)) return;
  const v = (k: keyof typeof consent) =>
    consent[k] === undefined ? undefined : consent[k] === null ? null : consent[k];
  await db.insert(emailProfiles).values({ contactId: id, updatedAt: now }).onConflictDoNothing();
  await db
    .update(emailProfiles)
    .set({
      consentMarketing: v("marketing"),
      consentProductUpdates: v("product_updates"),
      consentStatusNotifications: v("status_notifications"),
      ...(Object.values(consent).some((x) => x === true) ? { unsubscribedAt: null } : {}),
      updatedAt: now,
    })
    .where(eq(emailProfiles.contactId, id));
}

/** Sets consent per topic from the preference page; `all` off leaves every topic. */
export async function savePreferences(
  db: Db,
  contactId: string,
  prefs: Record<ConsentTopic, boolean> & { all: boolean },
  now = Date.now(),
) {
  const v = (b: boolean) => (b ? 1 : 0);
  await execBatch(db, [
    sql`insert into email_profiles (contact_id, consent_marketing, consent_product_updates,
        consent_status_notifications, unsubscribed_at, updated_at)
      values (${contactId}, ${v(prefs.marketing)}, ${v(prefs.product_updates)}, ${v(prefs.status_notifications)},
        ${prefs.all ? null : now}, ${now})
      on conflict (contact_id) do update set consent_marketing = excluded.consent_marketing,
        consent_product_updates = excluded.consent_product_updates,
        consent_status_notifications = excluded.consent_status_notifications,
        unsubscribed_at = excluded.unsubscribed_at, updated_at = excluded.updated_at`,
    emit(db, "email.preferences_changed", { contactId, ...prefs }, now),
  ]);
}

const bool = (v: boolean | undefined) => (v === undefined ? null : v ? 1 : 0);

/**
 * What one ingested call says of its contact, for the ingestion batch: an identify's traits
 * (merged), the timezone and consent any call may carry. Nothing when it carries none of them.
 */
export function identifyStatements(
  n: {
    type: string;
    externalId: string;
    traits?: Record<string, unknown>;
    timezone?: string;
    consent?: Partial<Record<ConsentTopic, boolean>>;
  },
  now: number,
): SQL[] {
  if (n.type !== "identify" && !n.timezone && !n.consent) return [];
  const traits = n.type === "identify" ? JSON.stringify(n.traits ?? {}) : "{}";
  return [
    sql`update contacts set traits = json_patch(traits, ${traits}),
      timezone = coalesce(${n.timezone ?? null}, timezone) where external_id = ${n.externalId}`,
    sql`insert into email_profiles (contact_id, consent_marketing, consent_product_updates,
        consent_status_notifications, unsubscribed_at, traits_updated_at, updated_at)
      select id, ${bool(n.consent?.marketing)}, ${bool(n.consent?.product_updates)},
        ${bool(n.consent?.status_notifications)}, null, ${n.type === "identify" ? now : null}, ${now}
      from contacts where external_id = ${n.externalId}
      on conflict (contact_id) do update set
        consent_marketing = coalesce(excluded.consent_marketing, email_profiles.consent_marketing),
        consent_product_updates = coalesce(excluded.consent_product_updates, email_profiles.consent_product_updates),
        consent_status_notifications = coalesce(excluded.consent_status_notifications, email_profiles.consent_status_notifications),
        unsubscribed_at = case when ${n.consent && Object.values(n.consent).some(Boolean) ? 1 : 0} = 1
          then null else email_profiles.unsubscribed_at end,
        traits_updated_at = coalesce(excluded.traits_updated_at, email_profiles.traits_updated_at),
        updated_at = excluded.updated_at`,
  ];
}
