// Merging an anonymous visitor into the known contact it turned out to be (Segment `alias`, or a
// call naming both anonymousId and userId). Set-based statements for the ingestion batch: every
// statement finds the pairs anew through `contact_aliases`, and the last one renames the
// anonymous contact, so a repeated merge finds nothing to move and counts nothing twice.
import { inArray, type SQL, sql } from "drizzle-orm";
import { contacts } from "../../../db/schema/index.ts";
import { chunk, type Db } from "../../lib/db.ts";
import { mergeEventRollupStatements } from "./rollups.ts";

/** The external id of the contact each of `aliases` (`anon:<anonymousId>`) is linked to, when it is. */
export async function aliasLinks(db: Db, aliases: string[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const part of chunk(aliases, 90)) {
    const rows = (await db.all(sql`select al.alias, c.external_id from contact_aliases al
      join contacts c on c.id = al.contact_id where al.alias in (${sql.join(
        part.map((a) => sql`${a}`),
        sql`, `,
      )})`)) as Array<{ alias: string; external_id: string }>;
    for (const r of rows) links.set(r.alias, r.external_id);
  }
  return links;
}

/** Which of `externalIds` name a contact already. */
export async function knownExternalIds(db: Db, externalIds: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (const part of chunk(externalIds, 90)) {
    const rows = await db
      .select({ externalId: contacts.externalId })
      .from(contacts)
      .where(inArray(contacts.externalId, part));
    for (const r of rows) known.add(r.externalId);
  }
  return known;
}

/** Statements recording `alias -> contact with externalId`, first mapping wins. */
export function aliasInserts(pairs: Array<{ alias: string; externalId: string }>, now: number): SQL[] {
  return chunk(pairs, 45).map(
    (part) => sql`insert into contact_aliases (alias, contact_id, created_at)
      select v.column1, c.id, ${now} from (values ${sql.join(
        part.map((p) => sql`(${p.alias}, ${p.externalId})`),
        sql`, `,
      )}) v join contacts c on c.external_id = v.column2 where true
      on conflict (alias) do nothing`,
  );
}

/** The consent both sides allow: an explicit "no" on either side wins, then a "yes", else unknown. */
const consent = (col: string) =>
  sql.raw(`${col} = coalesce(min(email_profiles.${col}, excluded.${col}), email_profiles.${col}, excluded.${col})`);

/**
 * Moves everything ingestion and emails hold of the anonymous contacts named by `aliases`
 * (contacts whose externalId is an alias of another contact) onto that contact: events,
 * per-event stats, activity days, the email profile (counts, first and last times, consent),
 * outbox messages, account memberships, and the contact's own fields where the known one has
 * none. The anonymous contact is renamed `merged:<id>`; `dropMerged` deletes it afterwards.
 */
export function mergeStatements(aliases: string[], now: number): SQL[] {
  return chunk(aliases, 90).flatMap((part) => {
    const m = sql`with m(anon_id, known_id) as (
      select a.id, al.contact_id from contact_aliases al join contacts a on a.external_id = al.alias
      where al.alias in (${sql.join(
        part.map((a) => sql`${a}`),
        sql`, `,
      )}) and a.id <> al.contact_id)`;
    const moveRows = (table: string) =>
      sql`${m} update ${sql.raw(table)} set contact_id = (select known_id from m where anon_id = ${sql.raw(table)}.contact_id)
        where contact_id in (select anon_id from m)`;
    const dropRows = (table: string) =>
      sql`${m} delete from ${sql.raw(table)} where contact_id in (select anon_id from m)`;
    return [
      moveRows("email_events"),
      moveRows("email_messages"),
      sql`${m} insert into contact_event_stats (contact_id, event, count, first_at, last_at, updated_at)
        select m.known_id, s.event, s.count, s.first_at, s.last_at, ${now}
        from contact_event_stats s join m on m.anon_id = s.contact_id where true
        on conflict (contact_id, event) do update set
          count = contact_event_stats.count + excluded.count,
          first_at = min(contact_event_stats.first_at, excluded.first_at),
          last_at = max(contact_event_stats.last_at, excluded.last_at),
          updated_at = excluded.updated_at`,
      dropRows("contact_event_stats"),
      ...mergeEventRollupStatements(m),
      sql`${m} insert into email_profiles (contact_id, consent_marketing, consent_product_updates,
          consent_status_notifications, unsubscribed_at, first_event_at, last_event_at, event_count,
          traits_updated_at, updated_at)
        select m.known_id, p.consent_marketing, p.consent_product_updates, p.consent_status_notifications,
          p.unsubscribed_at, p.first_event_at, p.last_event_at, p.event_count, ${now}, ${now}
        from email_profiles p join m on m.anon_id = p.contact_id where true
        on conflict (contact_id) do update set
          ${consent("consent_marketing")}, ${consent("consent_product_updates")},
          ${consent("consent_status_notifications")},
          unsubscribed_at = coalesce(email_profiles.unsubscribed_at, excluded.unsubscribed_at),
          first_event_at = coalesce(min(email_profiles.first_event_at, excluded.first_event_at),
            email_profiles.first_event_at, excluded.first_event_at),
          last_event_at = coalesce(max(email_profiles.last_event_at, excluded.last_event_at),
            email_profiles.last_event_at, excluded.last_event_at),
          event_count = email_profiles.event_count + excluded.event_count,
          traits_updated_at = excluded.traits_updated_at,
          updated_at = excluded.updated_at`,
      dropRows("email_profiles"),
      sql`${m} insert into account_members (contact_id, account_id, joined_at, updated_at)
        select m.known_id, am.account_id, am.joined_at, ${now} from account_members am join m on m.anon_id = am.contact_id
        where true on conflict (contact_id, account_id) do nothing`,
      dropRows("account_members"),
      // The known contact keeps what it has; the visitor fills the gaps (traits: known keys win).
      sql`${m} update contacts set email = coalesce(contacts.email, a.email), name = coalesce(contacts.name, a.name),
          timezone = coalesce(contacts.timezone, a.timezone), traits = json_patch(a.traits, contacts.traits),
          first_seen_at = min(contacts.first_seen_at, a.first_seen_at),
          last_seen_at = max(contacts.last_seen_at, a.last_seen_at)
        from m join contacts a on a.id = m.anon_id where contacts.id = m.known_id`,
      // Last: the visitor no longer answers to its alias, so the pairs above are gone for good.
      sql`${m} update contacts set external_id = 'merged:' || id where id in (select anon_id from m) returning id`,
    ];
  });
}

/**
 * Deletes merged visitors' rows, now empty. One another capability still points at stays as
 * an empty `merged:` contact (a delete that would break a reference fails alone).
 */
export async function dropMerged(db: Db, ids: string[]) {
  for (const id of ids) {
    try {
      await db.run(sql`delete from contacts where id = ${id} and external_id like 'merged:%'`);
    } catch {
      // referenced elsewhere: it stays, empty and unreachable by any alias
    }
  }
}
