// What the health check reads: the migrations D1 has applied, and whether D1 answers at all.
import type { Db } from "../../lib/db.ts";

/** Names of the applied migrations (without `.sql`), or that the database could not be reached. */
export async function appliedMigrations(db: Db): Promise<{ reachable: boolean; applied: string[] }> {
  try {
    const res = await db.$client.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    return { reachable: true, applied: res.results.map((r) => r.name.replace(/\.sql$/, "")) };
  } catch {
    // No migrations table yet, or no database: tell the two apart.
    try {
      await db.$client.prepare("SELECT 1").first();
      return { reachable: true, applied: [] };
    } catch {
      return { reachable: false, applied: [] };
    }
  }
}
