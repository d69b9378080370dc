import { sql } from "drizzle-orm";
import { chunkBySize, type Db, rawStatement, runBatch } from "../../lib/db.ts";
import type { ClickTuple } from "../schemas.ts";
import { clicked } from "./activity.ts";

const HOUR = 3_600_000;
/** The columns of a click, in the order of `ClickTuple`. */
const COLUMNS = [
  "id",
  "link_id",
  "program_id",
  "referrer_id",
  "at",
  "country",
  "city",
  "device",
  "referrer_host",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "visitor_hash",
  "by_referrer",
] as const;
const ID = 0;
const LINK = 1;
const PROGRAM = 2;
const REFERRER = 3;
const AT = 4;
const VISITOR = 12;
const BY_REFERRER = 13;
/** Past the columns: the signed-in visitor's contact, when there is one. */
const CONTACT = 14;

const INTO = sql.raw(COLUMNS.join(", "));
const col = (i: number) => sql.raw(`j.value ->> ${i}`);
const FROM_JSON = sql.join(
  COLUMNS.map((_, i) => col(i)),
  sql.raw(", "),
);
// Literal, not a parameter: the planner matches it to the index expression `at / 3600000`.
const HOUR_OF_K = sql.raw(`k.at / ${HOUR}`);
const hourOf = (i: number) => sql.raw(`(j.value ->> ${i}) / ${HOUR}`);
// Characters, counted as up to three UTF-8 bytes each: under D1's 2 MB for one bound value.
const MAX_PARAM_CHARS = 600_000;
const DUP = COLUMNS.length;
const FIRST = COLUMNS.length + 1;

/**
 * Writes a batch of clicks in as few statements as fit (each batch travels as one JSON
 * parameter), idempotent by click id. A click whose visitor hash was already seen on the same
 * link within the hour (earlier in the batch, or already in D1) is kept, flagged `duplicate`.
 * A signed-in visitor's counted click on someone else's link is also `referral_clicked` activity on
 * their contact, in the same batch (once per click id).
 */
export async function recordClicks(db: Db, clicks: ClickTuple[], now: number): Promise<void> {
  if (!clicks.length) return;
  // In time order the latest earlier click of a visitor on a link is the nearest one: O(n) even
  // when one visitor floods a link. Only a pair's first click in the batch needs D1 to tell.
  const last = new Map<string, number>();
  const rows = [...clicks]
    .sort((a, b) => a[AT] - b[AT])
    .map((c) => {
      const key = `${c[VISITOR]}|${c[LINK]}`;
      const prev = last.get(key);
      last.set(key, c[AT]);
      const dup = prev !== undefined && c[AT] - prev < HOUR ? 1 : 0;
      return JSON.stringify([...c.slice(0, DUP), dup, prev === undefined ? 1 : 0]);
    });
  // As few statements as D1 allows (a bound value holds at most 2 MB): each statement is one
  // commit, and a commit writes every index page its rows touched.
  const parts = chunkBySize(rows, (row) => row.length + 1, MAX_PARAM_CHARS);
  const inserts = parts.map((part) =>
    rawStatement(
      db,
      sql`INSERT INTO referral_clicks (${INTO}, duplicate)
      SELECT ${FROM_JSON}, CASE WHEN ${col(DUP)} THEN 1 WHEN ${col(FIRST)} THEN EXISTS (
        SELECT 1 FROM referral_clicks k INDEXED BY referral_clicks_hour_visitor_idx
        WHERE ${HOUR_OF_K} IN (${hourOf(AT)} - 1, ${hourOf(AT)}) AND k.visitor_hash = ${col(VISITOR)}
          AND k.link_id = ${col(LINK)} AND k.id <> ${col(ID)}
          AND k.at > ${col(AT)} - ${HOUR} AND k.at <= ${col(AT)}) ELSE 0 END
      FROM json_each(${`[${part.join(",")}]`}) j WHERE true
      ON CONFLICT (id) DO NOTHING`,
    ),
  );
  const signedIn = clicks.flatMap((c) => {
    const contactId = c[CONTACT];
    if (!contactId || c[BY_REFERRER]) return [];
    return [{ id: c[ID], contactId, at: c[AT], linkId: c[LINK], programId: c[PROGRAM], referrerId: c[REFERRER] }];
  });
  // Each part on its own (one request each stays under D1's size limits); the activity goes with the
  // last, after every click it reads is written.
  for (const insert of inserts.slice(0, -1)) await insert;
  await runBatch(db, [...inserts.slice(-1), ...clicked(db, signedIn, now)]);
}
