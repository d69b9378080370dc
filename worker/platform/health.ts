// What makes Rapport healthy: the database answers and every migration this build knows is applied.

/** The health report: `ok` only when the database is reachable and no migration is pending. */
export function healthReport(
  known: string[],
  db: { reachable: boolean; applied: string[] },
  version: string,
  now: number,
) {
  const pending = known.filter((t) => !db.applied.includes(t));
  return {
    status: db.reachable && pending.length === 0 ? ("ok" as const) : ("degraded" as const),
    version,
    database: { reachable: db.reachable, migrations: { applied: db.applied, pending } },
    time: new Date(now).toISOString(),
  };
}
