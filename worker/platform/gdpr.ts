// GDPR across the contact graph: one export document with a section per capability, and one erase
// that runs every capability's statements in a single batch (one transaction), then queues the
// rewrite of the R2 archive. Each capability decides in its contract what it deletes and what it
// keeps under an opaque contact (counts, scores, accounting).
import { emailsGdpr, scrubArchiveLater } from "../emails/index.ts";
import { feedbackGdpr } from "../feedback/index.ts";
import { kpisGdpr } from "../kpis/index.ts";
import { type Db, execBatch } from "../lib/db.ts";
import type { EraseContext, EraseStep, Erasure, GdprPart } from "../lib/gdpr.ts";
import { newId } from "../lib/ids.ts";
import { conflict } from "../lib/problem.ts";
import { npsGdpr } from "../nps/index.ts";
import { referralsGdpr } from "../referrals/index.ts";
import { statusGdpr } from "../status/index.ts";
import { contactOrThrow, opaqueContactInsert, sharedEraseSteps } from "./store/gdpr.ts";

/** The export document's format; a change that breaks readers bumps the version. */
export const EXPORT_FORMAT = { name: "rapport.contact-export", version: 1 } as const;

const PARTS = {
  emails: emailsGdpr,
  referrals: referralsGdpr,
  feedback: feedbackGdpr,
  status: statusGdpr,
  nps: npsGdpr,
  kpis: kpisGdpr,
} satisfies Record<string, GdprPart<unknown>>;
type Capability = keyof typeof PARTS;
const CAPABILITIES = Object.keys(PARTS) as Capability[];

type Sections = { [C in Capability]: Awaited<ReturnType<(typeof PARTS)[C]["exportFor"]>> };

/** Everything Rapport holds about contact `id`, a section per capability (404 when there is no such contact). */
export async function exportContactGraph(db: Db, id: string, now: number) {
  await contactOrThrow(db, id);
  const sections = {} as Record<Capability, unknown>;
  for (const cap of CAPABILITIES) sections[cap] = await PARTS[cap].exportFor(db, id);
  return {
    format: EXPORT_FORMAT.name,
    version: EXPORT_FORMAT.version,
    generatedAt: new Date(now).toISOString(),
    contactId: id,
    ...(sections as Sections),
  };
}

export type EraseReport = Record<Capability | "platform", Record<string, number>>;

/**
 * Erases contact `id` from every capability in one batch and queues the archive's scrub. Rows kept
 * for counts and accounting move to a new opaque contact (`opaqueContactId`, null when none was
 * needed). The contact's id is gone afterwards: a second erase is a 404.
 */
export async function eraseContactGraph(env: { JOBS: Queue }, db: Db, id: string, now: number) {
  const contact = await contactOrThrow(db, id);
  const ctx: EraseContext = { now, opaqueId: newId("ct", now) };
  const parts: Array<[Capability, Erasure]> = [];
  for (const cap of CAPABILITIES) parts.push([cap, await PARTS[cap].eraseStatements(db, id, ctx)]);
  const keeps = parts.some(([, p]) => p.keepsRows);
  // Needles match whole strings: a short user id ("42") could be someone else's value, so it is left out.
  const needles = [
    id,
    ...(contact.externalId.length >= 6 ? [contact.externalId] : []),
    ...(contact.email ? [contact.email] : []),
    ...parts.flatMap(([, p]) => p.needles),
  ];
  type Tagged = EraseStep & { cap: Capability | "platform" };
  const tag =
    (cap: Tagged["cap"]) =>
    (s: EraseStep): Tagged => ({ ...s, cap });
  const steps: Tagged[] = [
    ...(keeps ? [{ cap: "platform" as const, statement: opaqueContactInsert(db, contact, ctx.opaqueId) }] : []),
    ...parts.flatMap(([cap, p]) => p.steps.map(tag(cap))),
    ...sharedEraseSteps(id, needles).map(tag("platform")),
  ];
  let results: D1Result[];
  try {
    results = await execBatch(
      db,
      steps.map((s) => s.statement),
    );
  } catch (e) {
    // Something new pointed at the contact between the reads and the batch: nothing was changed.
    if (String(e).includes("FOREIGN KEY")) throw conflict("The contact changed while it was being erased; try again");
    throw e;
  }
  const report = Object.fromEntries([...CAPABILITIES, "platform"].map((c) => [c, {}])) as EraseReport;
  steps.forEach((s, i) => {
    if (s.count) report[s.cap][s.count] = (report[s.cap][s.count] ?? 0) + (results[i].meta.changes ?? 0);
  });
  const since = Math.min(contact.firstSeenAt, ...parts.map(([, p]) => p.since ?? contact.firstSeenAt));
  await scrubArchiveLater(env, needles, since, now);
  return { erased: true as const, contactId: id, opaqueContactId: keeps ? ctx.opaqueId : null, report };
}
