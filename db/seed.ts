// Seeds the local D1 database with realistic, deterministic demo data.
//   npm run seed            seed once (skipped when already seeded)
//   npm run seed -- --reset wipe local data, migrate again and seed
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { drizzle } from "drizzle-orm/d1";
import { Miniflare } from "miniflare";
import { compatibilityDate, databaseId, LOCAL_STATE, migrateLocal } from "./local.ts";
import * as schema from "./schema/index.ts";
import { DAY, makeContext } from "./seed/context.ts";
import { seedEmails } from "./seed/emails.ts";
import { seedFeedback } from "./seed/feedback.ts";
import { seedKpis } from "./seed/kpis.ts";
import { LOCAL_ADMIN_KEY, seedPlatform } from "./seed/platform.ts";
import { seedReferrals } from "./seed/referrals.ts";
import { seedStatus } from "./seed/status.ts";

/** Each capability seeds its own data; KPIs last, since they read the others. */
const STEPS = [
  ["platform", seedPlatform],
  ["referrals", seedReferrals],
  ["feedback", seedFeedback],
  ["status", seedStatus],
  ["emails", seedEmails],
  ["kpis", seedKpis],
] as const;

/**
 * Seeds the local database under `persistTo` (wrangler's state dir). Returns the admin key.
 * `empty`: only the admin key, no demo data (a first day, as a new user has it).
 */
export async function seedLocal(
  opts: { persistTo?: string; force?: boolean; empty?: boolean } = {},
): Promise<{ key: string; seeded: boolean }> {
  const persist = resolve(opts.persistTo ?? LOCAL_STATE, "v3/d1");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 204 }) } }",
    compatibilityDate: compatibilityDate(),
    d1Databases: { DB: databaseId() },
    d1Persist: persist,
  });
  try {
    const d1 = await mf.getD1Database("DB");
    const db = drizzle(d1 as unknown as D1Database, { schema });
    const seeded = await db.query.apiKeys.findFirst({ where: (k, { eq }) => eq(k.id, "key_local_admin") });
    if (seeded && !opts.force) return { key: LOCAL_ADMIN_KEY, seeded: false };
    const now = Math.floor(Date.now() / DAY) * DAY;
    for (const [i, [name, step]] of STEPS.entries()) {
      if (opts.empty && name !== "platform") continue;
      process.stderr.write(`Seeding ${name}…\n`);
      await step(makeContext(db, 20261122 + i, now));
    }
    return { key: LOCAL_ADMIN_KEY, seeded: true };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.main) {
  const reset = process.argv.includes("--reset");
  if (reset) rmSync(resolve(LOCAL_STATE, "v3/d1"), { recursive: true, force: true });
  migrateLocal();
  const { key, seeded } = await seedLocal();
  console.log(
    seeded ? "Seeded the local database." : "The local database was already seeded (use --reset to start over).",
  );
  console.log(`Local admin API key: ${key}`);
}
