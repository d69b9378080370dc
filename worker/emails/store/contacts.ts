// Contacts as emails sees them: template variables, search, timeline, export and erase, and the
// multi-row upsert of the people an ingestion batch names.
import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import {
  accountMembers,
  accounts,
  contactAliases,
  contactEventDaily,
  contactEventStats,
  contacts,
  emailEvents,
  emailMessages,
  emailProfiles,
  emailSuppressions,
} from "../../../db/schema/index.ts";
import type { Person } from "../../lib/contacts.ts";
import { chunk, type Db, inJson } from "../../lib/db.ts";
import type { EraseContext, Erasure } from "../../lib/gdpr.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../../lib/problem.ts";
import { CHURN_WINDOW_DAYS, churnRisk, DAY } from "../churn.ts";
import { consentOf } from "../consent.ts";
import type { ContactVars } from "../render.ts";
import { addressHash } from "../signing.ts";
import { messagesWithBodies } from "./outbox.ts";
import { eventsBoundary } from "./retention.ts";
import { eraseRollupStatements } from "./rollups.ts";

const SAMPLE: ContactVars = {
  id: "ct_sample",
  externalId: "sample-user",
  email: "ada@example.com",
  name: "Ada Lovelace",
  timezone: "Europe/London",
  traits: { first_name: "Ada", plan: "pro", role: "engineer", industry: "software", goal: "ship faster" },
};

/** The contact's template variables, or a sample contact when none is named. */
export async function contactVarsOrSample(db: Db, contactId?: string): Promise<ContactVars> {
  return contactId ? getContactOrThrow(db, contactId) : SAMPLE;
}

/** Contacts by email or external id prefix (index ranges), or newest first. */
export async function searchContacts(db: Db, q: { q?: string; limit: number; cursor?: string }) {
  if (!q.q) {
    return db
      .select()
      .from(contacts)
      .where(q.cursor ? lt(contacts.id, q.cursor) : undefined)
      .orderBy(desc(contacts.id))
      .limit(q.limit + 1);
  }
  const term = q.q.trim();
  const lower = term.toLowerCase();
  const [byEmail, byExternal] = await db.batch([
    db
      .select()
      .from(contacts)
      .where(and(gte(contacts.email, lower), lt(contacts.email, `${lower}\uffff`)))
      .orderBy(contacts.email)
      .limit(q.limit),
    db
      .select()
      .from(contacts)
      .where(and(gte(contacts.externalId, term), lt(contacts.externalId, `${term}\uffff`)))
      .orderBy(contacts.externalId)
      .limit(q.limit),
  ]);
  const seen = new Map<string, (typeof byEmail)[number]>();
  for (const c of [...byEmail, ...byExternal]) seen.set(c.id, c);
  return [...seen.values()].slice(0, q.limit);
}

export async function findContact(db: Db, id: string) {
  return db.query.contacts.findFirst({ where: eq(contacts.id, id) });
}

export async function getContactOrThrow(db: Db, id: string) {
  const c = await findContact(db, id);
  if (!c) throw notFound("No such contact");
  return c;
}

/** The contact with what emails knows: consent, aggregates, per-event stats and churn risk now. */
export async function contactDetail(db: Db, id: string, now = Date.now()) {
  const contact = await getContactOrThrow(db, id);
  const [profile, stats, days, suppressed] = await db.batch([
    db.select().from(emailProfiles).where(eq(emailProfiles.contactId, id)),
    db
      .select()
      .from(contactEventStats)
      .where(eq(contactEventStats.contactId, id))
      .orderBy(desc(contactEventStats.lastAt))
      .limit(200),
    db
      .selectDistinct({ day: contactEventDaily.day })
      .from(contactEventDaily)
      .where(
        and(eq(contactEventDaily.contactId, id), gte(contactEventDaily.day, Math.floor(now / DAY) - CHURN_WINDOW_DAYS)),
      ),
    db
      .select({ reason: emailSuppressions.reason })
      .from(emailSuppressions)
      .where(eq(emailSuppressions.emailHash, contact.email ? await addressHash(contact.email) : "-")),
  ]);
  const p = profile[0] ?? null;
  return {
    contact,
    consent: consentOf(p),
    unsubscribedAt: p?.unsubscribedAt ?? null,
    suppressed: suppressed[0]?.reason ?? null,
    firstEventAt: p?.firstEventAt ?? null,
    lastEventAt: p?.lastEventAt ?? null,
    eventCount: p?.eventCount ?? 0,
    churnRisk: churnRisk({ now, lastEventAt: p?.lastEventAt ?? null, days: days.map((d) => d.day) }),
    events: stats.map((s) => ({ event: s.event, count: s.count, firstAt: s.firstAt, lastAt: s.lastAt })),
  };
}

export type TimelineItem =
  | { kind: "event"; at: number; id: string; event: string; properties: Record<string, unknown> }
  | {
      kind: "message";
      at: number;
      id: string;
      subject: string | null;
      state: string;
      topic: string;
      triggerId: string | null;
    }
  | { kind: "activity"; at: number; day: string; events: number };

/**
 * Events and messages of a contact, newest first; `before` is the previous page's last time. Days
 * whose raw events retention pruned show as one `activity` item each (events that day), from the
 * per-day rollup kept at ingestion.
 */
export async function timeline(db: Db, id: string, q: { limit: number; before?: number }) {
  await getContactOrThrow(db, id);
  const before = q.before ?? Number.MAX_SAFE_INTEGER;
  const boundary = await eventsBoundary(db);
  const [events, messages, days] = await db.batch([
    db
      .select()
      .from(emailEvents)
      .where(
        and(eq(emailEvents.contactId, id), lt(emailEvents.occurredAt, before), gte(emailEvents.occurredAt, boundary)),
      )
      .orderBy(desc(emailEvents.occurredAt))
      .limit(q.limit),
    db
      .select()
      .from(emailMessages)
      .where(and(eq(emailMessages.contactId, id), lt(emailMessages.createdAt, before)))
      .orderBy(desc(emailMessages.createdAt))
      .limit(q.limit),
    // Active days, each with its events, from the event rollup kept for good.
    db
      .select({ day: contactEventDaily.day, events: sql<number>`sum(${contactEventDaily.count})`.mapWith(Number) })
      .from(contactEventDaily)
      .where(
        and(
          eq(contactEventDaily.contactId, id),
          lt(contactEventDaily.day, Math.min(boundary / DAY, Math.ceil(before / DAY))),
        ),
      )
      .groupBy(contactEventDaily.day)
      .orderBy(desc(contactEventDaily.day))
      .limit(q.limit),
  ]);
  const items: TimelineItem[] = [
    ...events.map((e) => ({
      kind: "event" as const,
      at: e.occurredAt,
      id: e.id,
      event: e.event,
      properties: e.properties,
    })),
    ...messages.map((m) => ({
      kind: "message" as const,
      at: m.sentAt ?? m.createdAt,
      id: m.id,
      subject: m.subject,
      state: m.state,
      topic: m.topic,
      triggerId: m.triggerId,
    })),
    ...days.map((d) => ({
      kind: "activity" as const,
      at: d.day * DAY,
      day: new Date(d.day * DAY).toISOString().slice(0, 10),
      events: d.events,
    })),
  ]
    .filter((i) => i.at < before)
    .sort((a, b) => b.at - a.at);
  const data = items.slice(0, q.limit);
  const more = items.length > q.limit || [events, messages, days].some((l) => l.length === q.limit);
  return { data, nextBefore: more ? (data.at(-1)?.at ?? null) : null };
}

/** Everything emails holds about the person (GDPR access / portability): emails' section of the export. */
export async function exportContact(db: Db, id: string) {
  const contact = await getContactOrThrow(db, id);
  const [profile, stats, events, messages, groups, aliases] = await db.batch([
    db.select().from(emailProfiles).where(eq(emailProfiles.contactId, id)),
    db.select().from(contactEventStats).where(eq(contactEventStats.contactId, id)),
    db.select().from(emailEvents).where(eq(emailEvents.contactId, id)).orderBy(emailEvents.occurredAt),
    messagesWithBodies(db).where(eq(emailMessages.contactId, id)).orderBy(emailMessages.createdAt),
    db
      .select({
        groupId: accounts.externalId,
        name: accounts.name,
        traits: accounts.traits,
        joinedAt: accountMembers.joinedAt,
      })
      .from(accountMembers)
      .innerJoin(accounts, eq(accounts.id, accountMembers.accountId))
      .where(eq(accountMembers.contactId, id))
      .orderBy(accountMembers.joinedAt),
    db
      .select({ alias: contactAliases.alias, createdAt: contactAliases.createdAt })
      .from(contactAliases)
      .where(eq(contactAliases.contactId, id)),
  ]);
  const hashes = await addressHashes(contact.email, messages);
  const suppressions = hashes.length
    ? await db.select().from(emailSuppressions).where(inJson(emailSuppressions.emailHash, hashes))
    : [];
  return {
    contact,
    /** Segment `group`: the accounts the person belongs to. */
    accounts: groups,
    /** Anonymous ids merged into the person (Segment `alias`). */
    aliases,
    consent: consentOf(profile[0] ?? null),
    emailProfile: profile[0] ?? null,
    eventStats: stats,
    events,
    messages,
    /** Suppressions of the person's addresses (kept by the SHA-256 of the address). */
    suppressions,
  };
}

/** SHA-256 of every address the person had or was mailed at. */
async function addressHashes(email: string | null, sent: Array<{ toAddress: string | null }>) {
  const emails = addressesOf(email, sent);
  return Promise.all([...emails].map((e) => addressHash(e)));
}

function addressesOf(email: string | null, sent: Array<{ toAddress: string | null }>) {
  const emails = new Set<string>();
  if (email) emails.add(email.toLowerCase());
  for (const m of sent) if (m.toAddress) emails.add(m.toAddress.toLowerCase());
  return emails;
}

/**
 * GDPR erase, emails' part: events, aggregates, profile, messages, aliases and account memberships
 * go; the address survives only as a suppression hash so the person is never mailed again. The
 * contact row itself goes last, in the platform's batch.
 */
export async function eraseContactStatements(db: Db, id: string, ctx: EraseContext): Promise<Erasure> {
  const contact = await getContactOrThrow(db, id);
  const [sentTo, profile] = await db.batch([
    db
      .selectDistinct({ toAddress: emailMessages.toAddress })
      .from(emailMessages)
      .where(eq(emailMessages.contactId, id)),
    db.select({ firstEventAt: emailProfiles.firstEventAt }).from(emailProfiles).where(eq(emailProfiles.contactId, id)),
  ]);
  const emails = addressesOf(contact.email, sentTo);
  const hashes = await addressHashes(contact.email, sentTo);
  return {
    keepsRows: false,
    steps: [
      ...hashes.map((h) => ({
        count: "suppressedAddresses",
        statement: db
          .insert(emailSuppressions)
          .values({ emailHash: h, reason: "erased", createdAt: ctx.now })
          .onConflictDoUpdate({
            target: emailSuppressions.emailHash,
            set: { reason: sql`${emailSuppressions.reason}` },
          }),
      })),
      ...eraseRollupStatements(id).map((statement) => ({ statement })),
      {
        statement: sql`delete from email_links where message_id in (select id from email_messages where contact_id = ${id})`,
      },
      {
        statement: sql`delete from email_bodies where message_id in (select id from email_messages where contact_id = ${id})`,
      },
      { count: "messages", statement: sql`delete from email_messages where contact_id = ${id}` },
      { count: "events", statement: sql`delete from email_events where contact_id = ${id}` },
      { statement: sql`delete from contact_event_stats where contact_id = ${id}` },
      { count: "profiles", statement: sql`delete from email_profiles where contact_id = ${id}` },
      { count: "accountMemberships", statement: sql`delete from account_members where contact_id = ${id}` },
      { count: "aliases", statement: sql`delete from contact_aliases where contact_id = ${id}` },
    ],
    // What the archive may hold of the person: rows naming an address, since first seen.
    needles: [...emails],
    since: Math.min(contact.firstSeenAt, profile[0]?.firstEventAt ?? contact.firstSeenAt),
  };
}

/**
 * The shared contacts upsert (worker/lib/contacts.ts `contactUpsert`: create on first sight,
 * keep known fields a later mention omits), as multi-row statements: a batch of 500 calls
 * from as many people costs a few statements, not hundreds.
 */
export function contactUpserts(people: Person[], now: number): SQL[] {
  const rows = people.map(
    (p) =>
      sql`(${newId("ct", now)}, ${p.externalId}, ${p.email?.toLowerCase() ?? null}, ${p.name ?? null}, ${now}, ${now})`,
  );
  return chunk(rows, 16).map(
    (part) => sql`insert into contacts (id, external_id, email, name, first_seen_at, last_seen_at)
      values ${sql.join(part, sql`, `)}
      on conflict (external_id) do update set email = coalesce(excluded.email, contacts.email),
        name = coalesce(excluded.name, contacts.name), last_seen_at = max(excluded.last_seen_at, contacts.last_seen_at)`,
  );
}
