// Segment-compatible ingestion: what Rapport keeps of each call and whom it is about (an anonymous
// visitor is merged into the user it turns out to be), written in one batch (store/events.ts).
import type { Person } from "../lib/contacts.ts";
import type { Db } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import type { AnyCallT } from "./schemas.ts";
import type { AccountWrite } from "./store/accounts.ts";
import { type KeptCall, writeCalls } from "./store/events.ts";
import { aliasLinks, knownExternalIds } from "./store/merge.ts";

/** What a batch says around its calls. */
export type BatchMeta = { context?: AnyCallT["context"]; sentAt?: string };

const str = (v: unknown, max: number) => (typeof v === "string" && v.trim() ? v.trim().slice(0, max) : undefined);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const anon = (anonymousId: string) => `anon:${anonymousId}`;

/**
 * When a call happened. With `sentAt` (the call's, else the batch's) the sender's clock skew
 * is corrected as Segment does: receivedAt − (sentAt − timestamp). Future times become now.
 */
export function occurredAt(call: AnyCallT, batchSentAt: string | undefined, now: number): number {
  const when = call.timestamp ?? call.originalTimestamp;
  if (!when) return now;
  const sentAt = call.sentAt ?? batchSentAt;
  const at = sentAt ? now - (Date.parse(sentAt) - Date.parse(when)) : Date.parse(when);
  return Math.max(EPOCH_2000, Math.min(at, now));
}

/** One Segment call -> what Rapport keeps of it. */
function normalize(call: AnyCallT, externalId: string, meta: BatchMeta, now: number): KeptCall {
  const context = { ...meta.context, ...call.context };
  const traits = (call.type === "identify" ? call.traits : undefined) ?? {};
  const known = { ...context.traits, ...traits };
  const first = str(known.first_name ?? known.firstName, 100);
  const last = str(known.last_name ?? known.lastName, 100);
  const email = str(known.email, 320);
  const prefs = context.consent?.categoryPreferences ?? {};
  const consent: KeptCall["consent"] = {};
  for (const t of ["marketing", "product_updates", "status_notifications"] as const) {
    if (typeof prefs[t] === "boolean") consent[t] = prefs[t];
  }
  const base = {
    type: call.type,
    externalId,
    messageId: call.messageId ?? newId("seg", now),
    occurredAt: occurredAt(call, meta.sentAt, now),
    email: email && EMAIL.test(email) ? email : undefined,
    name: str(known.name, 200) ?? (first ? [first, last].filter(Boolean).join(" ") : undefined),
    timezone: str(context.timezone ?? known.timezone, 64),
    consent: Object.keys(consent).length ? consent : undefined,
    properties: {},
  };
  switch (call.type) {
    case "identify":
      return { ...base, traits };
    case "page":
    case "screen":
      return {
        ...base,
        event: call.type === "page" ? "page_viewed" : "screen_viewed",
        properties: { ...call.properties, name: call.name ?? undefined, category: call.category ?? undefined },
      };
    case "group":
      return { ...base, group: { id: call.groupId, traits: call.traits ?? {} } };
    case "alias":
      return base;
    case "track":
      return { ...base, event: call.event, properties: call.properties ?? {} };
  }
}

/**
 * Who each call is about. A call naming both ids, or an alias, links `anon:<anonymousId>` to
 * the user (the first link of an anonymousId wins, kept in contact_aliases); a call with only
 * an anonymousId lands on the user it was linked to. Two known users are never merged: an
 * alias whose previousId is a known user's id, or the userId itself, is ignored.
 * `links` are the links already kept, `knownUsers` the previousIds that name a user already.
 */
function linkIdentities(calls: AnyCallT[], links: Map<string, string>, knownUsers: Set<string>) {
  const pairs: Array<{ alias: string; externalId: string }> = [];
  const ignored = new Set<AnyCallT>();
  const link = (alias: string, userId: string) => {
    if (links.has(alias)) return;
    links.set(alias, userId);
    pairs.push({ alias, externalId: userId });
  };
  for (const c of calls) {
    if (c.type === "alias") {
      const userId = c.userId as string; // required for alias by the schema
      if (c.previousId === userId || knownUsers.has(c.previousId)) ignored.add(c);
      else link(anon(c.previousId), userId);
    }
    if (c.userId && c.anonymousId) link(anon(c.anonymousId), c.userId);
  }
  const externalIdOf = (c: AnyCallT) =>
    c.userId ?? links.get(anon(c.anonymousId as string)) ?? anon(c.anonymousId as string);
  return { externalIdOf, pairs, ignored };
}

/** The aliases and previousIds `calls` name, to look up before linking. */
function namedIds(calls: AnyCallT[]) {
  const anonIds = new Set<string>();
  const previousIds = new Set<string>();
  for (const c of calls) {
    if (c.anonymousId) anonIds.add(anon(c.anonymousId));
    if (c.type === "alias") {
      anonIds.add(anon(c.previousId));
      previousIds.add(c.previousId);
    }
  }
  return { anonIds: [...anonIds], previousIds: [...previousIds] };
}

/** One upsert per person, with the last known email and name from this batch. */
function peopleOf(kept: KeptCall[]): Person[] {
  const people = new Map<string, Person>();
  for (const n of kept) {
    const p = people.get(n.externalId) ?? { externalId: n.externalId };
    people.set(n.externalId, { externalId: n.externalId, email: n.email ?? p.email, name: n.name ?? p.name });
  }
  return [...people.values()];
}

/** Group calls: each account's traits merged in call order, and the caller's membership. */
function groupsOf(kept: KeptCall[]): AccountWrite {
  const accounts = new Map<string, Record<string, unknown>>();
  const members = new Map<string, { groupId: string; externalId: string }>();
  for (const n of kept) {
    if (!n.group) continue;
    accounts.set(n.group.id, { ...accounts.get(n.group.id), ...n.group.traits });
    members.set(JSON.stringify([n.group.id, n.externalId]), { groupId: n.group.id, externalId: n.externalId });
  }
  return {
    accounts: [...accounts].map(([groupId, traits]) => ({ groupId, name: str(traits.name, 200) ?? null, traits })),
    members: [...members.values()],
  };
}

/** Writes `calls` (already validated). Returns how many were new, duplicates, and ignored. */
export async function ingest(db: Db, calls: AnyCallT[], meta: BatchMeta = {}, now = Date.now()) {
  const named = namedIds(calls);
  const { externalIdOf, pairs, ignored } = linkIdentities(
    calls,
    await aliasLinks(db, named.anonIds),
    await knownExternalIds(db, named.previousIds),
  );
  const kept = calls.filter((c) => !ignored.has(c)).map((c) => normalize(c, externalIdOf(c), meta, now));
  const inserted = await writeCalls(db, { people: peopleOf(kept), pairs, calls: kept, groups: groupsOf(kept) }, now);
  const events = kept.filter((n) => n.event).length;
  return { accepted: inserted + kept.length - events, duplicates: events - inserted, ignored: ignored.size };
}
