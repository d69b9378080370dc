// Accounts (Segment `group`) and who belongs to them, as statements for the ingestion batch.
import { type SQL, sql } from "drizzle-orm";
import { chunk } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";

export type AccountWrite = {
  /** The accounts named, each with its traits merged in call order. */
  accounts: Array<{ groupId: string; name: string | null; traits: Record<string, unknown> }>;
  /** Which contact (by external id) joins which account (by group id). */
  members: Array<{ groupId: string; externalId: string }>;
};

/** Upserts accounts (traits merged into what is known) and memberships. */
export function groupStatements(w: AccountWrite, now: number): SQL[] {
  const accountRows = w.accounts.map(
    (a) => sql`(${newId("acc", now)}, ${a.groupId}, ${a.name}, ${JSON.stringify(a.traits)}, ${now}, ${now})`,
  );
  const memberRows = w.members.map((m) => sql`(${m.groupId}, ${m.externalId})`);
  return [
    ...chunk(accountRows, 16).map(
      (part) => sql`insert into accounts (id, external_id, name, traits, first_seen_at, updated_at)
        values ${sql.join(part, sql`, `)}
        on conflict (external_id) do update set name = coalesce(excluded.name, accounts.name),
          traits = json_patch(accounts.traits, excluded.traits), updated_at = excluded.updated_at`,
    ),
    ...chunk(memberRows, 45).map(
      (part) => sql`insert into account_members (contact_id, account_id, joined_at, updated_at)
        select c.id, a.id, ${now}, ${now} from (values ${sql.join(part, sql`, `)}) v
        join accounts a on a.external_id = v.column1 join contacts c on c.external_id = v.column2 where true
        on conflict (contact_id, account_id) do update set updated_at = excluded.updated_at`,
    ),
  ];
}
