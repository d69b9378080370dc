// The suppression list: addresses never mailed again (bounced, complained, unsubscribed without a
// contact, erased), kept only as a hash of the address.
import { eq } from "drizzle-orm";
import { emailSuppressions } from "../../../db/schema/index.ts";
import { type Db, execBatch } from "../../lib/db.ts";
import { emit } from "../../lib/webhooks.ts";
import { addressHash } from "../signing.ts";

/** Why `address` is suppressed, or null when it is not. */
export async function suppressionOf(db: Db, address: string): Promise<string | null> {
  const [row] = await db
    .select({ reason: emailSuppressions.reason })
    .from(emailSuppressions)
    .where(eq(emailSuppressions.emailHash, await addressHash(address)));
  return row?.reason ?? null;
}

/** Suppresses addresses reported by a provider (bounce, complaint). Idempotent. */
export async function suppressAddresses(
  db: Db,
  items: Array<{ email: string; reason: "bounced" | "complained" }>,
  now = Date.now(),
) {
  if (!items.length) return 0;
  const rows = await Promise.all(
    items.map(async (i) => ({ emailHash: await addressHash(i.email), reason: i.reason, createdAt: now })),
  );
  await execBatch(db, [
    ...rows.map((r) => db.insert(emailSuppressions).values(r).onConflictDoNothing()),
    ...rows.map((r) => emit(db, "email.suppressed", { reason: r.reason, emailHash: r.emailHash }, now)),
  ]);
  return rows.length;
}
