// HTTP and heartbeat monitors: what is due, running a check, and what a result changes.
import { and, desc, eq, isNull, lte, sql } from "drizzle-orm";
import { statusComponents, statusMonitorResults, statusMonitors } from "../../db/schema/index.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { type Db, runBatch, type Statement } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { RefusedUrl, safeFetch } from "../lib/outbound.ts";
import { notFound } from "../lib/problem.ts";
import type { OutboundEnv } from "../lib/urls.ts";
import { getIncidentOrThrow, planCreateIncident, planUpdate } from "./store/incidents.ts";
import { commit, isUniqueViolation } from "./store/pages.ts";

export type Monitor = typeof statusMonitors.$inferSelect;
export type CheckResult = { ok: boolean; statusCode: number | null; responseMs: number | null; error: string | null };

/** Checks one queue invocation may make: Workers allow 50 subrequests on the free plan. */
export const SUBREQUEST_BUDGET = 40;
/** Checks in flight at once (Workers keep six connections open per invocation). */
export const CONCURRENCY = 6;
export const RUNS_PER_MESSAGE = 10;
/** Redirects a check follows, each Location checked against the outbound rule. */
export const MAX_REDIRECTS = 5;

export async function getMonitorOrThrow(db: Db, id: string): Promise<Monitor> {
  const m = await db.query.statusMonitors.findFirst({ where: eq(statusMonitors.id, id) });
  if (!m) throw notFound("No such monitor");
  return m;
}

export async function listMonitors(db: Db, pageId: string): Promise<Monitor[]> {
  return db
    .select({ m: statusMonitors })
    .from(statusMonitors)
    .innerJoin(statusComponents, eq(statusComponents.id, statusMonitors.componentId))
    .where(eq(statusComponents.pageId, pageId))
    .orderBy(statusMonitors.id)
    .then((rows) => rows.map((r) => r.m));
}

export async function monitorResults(db: Db, monitorId: string, limit: number, before?: number) {
  return db
    .select()
    .from(statusMonitorResults)
    .where(
      and(
        eq(statusMonitorResults.monitorId, monitorId),
        before ? sql`${statusMonitorResults.runAt} < ${before}` : undefined,
      ),
    )
    .orderBy(desc(statusMonitorResults.runAt))
    .limit(limit);
}

/** HTTP monitors due at `now`, as the runs to make (the due time is each run's idempotency key). */
export async function dueHttpRuns(db: Db, now: number, limit = 1000) {
  return db
    .select({ id: statusMonitors.id, runAt: statusMonitors.nextRunAt })
    .from(statusMonitors)
    .where(and(eq(statusMonitors.enabled, true), eq(statusMonitors.kind, "http"), lte(statusMonitors.nextRunAt, now)))
    .limit(limit);
}

/** Heartbeats whose deadline passed and that have not opened an incident yet. */
export async function missedHeartbeats(db: Db, now: number, limit = 500) {
  return db
    .select({ id: statusMonitors.id, deadline: statusMonitors.nextRunAt })
    .from(statusMonitors)
    .where(
      and(
        eq(statusMonitors.enabled, true),
        eq(statusMonitors.kind, "heartbeat"),
        lte(statusMonitors.nextRunAt, now),
        isNull(statusMonitors.openIncidentId),
      ),
    )
    .limit(limit);
}

/**
 * One HTTP check: status in range and, when set, the keyword in the body. The URL and every
 * redirect are checked against the outbound rule as the check runs; a refused one is a failure
 * with no request made. Never throws.
 */
export async function runCheck(m: Monitor, env: OutboundEnv): Promise<CheckResult> {
  if (!m.url) return { ok: false, statusCode: null, responseMs: null, error: "refused: no URL" };
  const started = Date.now();
  try {
    const res = await safeFetch(
      m.url,
      { method: m.method, headers: { "user-agent": "Rapport-Monitor/1" }, signal: AbortSignal.timeout(m.timeoutMs) },
      env,
      MAX_REDIRECTS,
    );
    let body = "";
    if (m.keyword && m.method !== "HEAD") body = await res.text();
    else await res.body?.cancel();
    const responseMs = Date.now() - started;
    const inRange = res.status >= m.expectedStatusMin && res.status <= m.expectedStatusMax;
    const hasKeyword = !m.keyword || body.includes(m.keyword);
    const error = !inRange
      ? `HTTP ${res.status} (expected ${m.expectedStatusMin}-${m.expectedStatusMax})`
      : hasKeyword
        ? null
        : `keyword not found`;
    return { ok: error === null, statusCode: res.status, responseMs, error };
  } catch (e) {
    const timeout = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    return {
      ok: false,
      statusCode: null,
      responseMs: e instanceof RefusedUrl ? null : Date.now() - started,
      error: timeout
        ? `timed out after ${m.timeoutMs} ms`
        : (e instanceof Error ? e.message : "request failed").slice(0, 300),
    };
  }
}

async function componentOf(db: Db, m: Monitor) {
  const [c] = await db.select().from(statusComponents).where(eq(statusComponents.id, m.componentId));
  return c;
}

/** The writes that open an automatic incident for a failing monitor. */
async function openAutoIncident(db: Db, m: Monitor, reason: string, now: number, updateId: string) {
  const component = await componentOf(db, m);
  // Failing during maintenance is expected: the incident opens if it still fails afterwards.
  if (!component || component.status === "under_maintenance") return null;
  const plan = await planCreateIncident(
    db,
    component.pageId,
    {
      name: `${component.name} is not responding`,
      status: "investigating",
      body: `Detected automatically by the monitor "${m.name}": ${reason}`,
      components: [{ id: component.id, status: m.failureStatus }],
    },
    now,
    { source: "monitor", monitorId: m.id, updateId },
  );
  return { pageId: component.pageId, incidentId: plan.incidentId, statements: plan.statements };
}

/** The writes that resolve the monitor's automatic incident on recovery (none when already resolved). */
async function resolveAutoIncident(db: Db, m: Monitor, now: number, updateId: string): Promise<Statement[]> {
  if (!m.openIncidentId) return [];
  const incident = await getIncidentOrThrow(db, m.openIncidentId).catch(() => null);
  if (!incident || incident.resolvedAt) return [];
  return planUpdate(
    db,
    incident,
    { status: "resolved", body: `Recovered: the monitor "${m.name}" passes again.` },
    now,
    { source: "monitor", updateId },
  );
}

/**
 * Stores one run's result and what it changes: failure count, an automatic incident once the
 * threshold is crossed, its resolution on recovery. A second delivery of the same run is a no-op
 * (unique monitor + run time; the whole batch rolls back).
 */
export async function recordRun(env: Env, db: Db, m: Monitor, runAt: number, r: CheckResult, now: number) {
  const failures = r.ok ? 0 : m.consecutiveFailures + 1;
  const interval = m.intervalMinutes * 60_000;
  let nextRunAt = runAt + interval;
  if (nextRunAt <= now) nextRunAt = now + interval; // fell behind: do not replay missed runs
  let openIncidentId = m.openIncidentId;
  let pageId: string | null = null;
  let effects: Statement[] = [];
  if (!r.ok && failures >= m.failureThreshold && !m.openIncidentId) {
    const opened = await openAutoIncident(db, m, r.error ?? "check failed", now, `upd_${m.id}_${runAt}`);
    if (opened) {
      ({ pageId, incidentId: openIncidentId, statements: effects } = opened);
    }
  } else if (r.ok && m.openIncidentId) {
    effects = await resolveAutoIncident(db, m, now, `upd_${m.id}_${runAt}`);
    pageId = (await componentOf(db, m))?.pageId ?? null;
    openIncidentId = null;
  }
  const statements: Statement[] = [
    db.insert(statusMonitorResults).values({ id: newId("smr", now), monitorId: m.id, runAt, ...r, checkedAt: now }),
    db
      .update(statusMonitors)
      .set({ consecutiveFailures: failures, lastCheckedAt: now, lastOk: r.ok, nextRunAt, openIncidentId })
      .where(eq(statusMonitors.id, m.id)),
    ...effects,
  ];
  try {
    if (pageId && effects.length) await commit(env, db, pageId, statements, now);
    else await runBatch(db, statements);
    return "recorded" as const;
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate" as const;
    throw e;
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** A heartbeat arrived: push its deadline out and resolve the incident its silence opened. */
export async function recordBeat(env: Env, db: Db, token: string, now: number): Promise<Monitor | null> {
  const tokenHash = await sha256Hex(token);
  const m = await db.query.statusMonitors.findFirst({ where: eq(statusMonitors.tokenHash, tokenHash) });
  if (m?.kind !== "heartbeat") return null;
  const effects = await resolveAutoIncident(db, m, now, newId("upd", now));
  const statements: Statement[] = [
    db
      .update(statusMonitors)
      .set({
        lastBeatAt: now,
        lastOk: true,
        consecutiveFailures: 0,
        nextRunAt: now + (m.periodSeconds ?? 60) * 1000,
        openIncidentId: null,
      })
      .where(eq(statusMonitors.id, m.id)),
    ...effects,
  ];
  const pageId = effects.length ? (await componentOf(db, m))?.pageId : null;
  if (pageId) await commit(env, db, pageId, statements, now);
  else await runBatch(db, statements);
  return m;
}

/** A heartbeat missed its deadline: the component goes down with an automatic incident. Idempotent. */
export async function markHeartbeatMissed(env: Env, db: Db, id: string, deadline: number, now: number) {
  const m = await db.query.statusMonitors.findFirst({ where: eq(statusMonitors.id, id) });
  if (!m?.enabled || m.openIncidentId || m.nextRunAt !== deadline) return "stale" as const;
  const silentFor = Math.round((now - (m.lastBeatAt ?? m.createdAt)) / 1000);
  const opened = await openAutoIncident(db, m, `no heartbeat for ${silentFor} s`, now, `upd_${m.id}_${deadline}`);
  if (!opened) return "stale" as const;
  try {
    await commit(
      env,
      db,
      opened.pageId,
      [
        db
          .update(statusMonitors)
          .set({ openIncidentId: opened.incidentId, lastOk: false, lastCheckedAt: now })
          .where(eq(statusMonitors.id, m.id)),
        ...opened.statements,
      ],
      now,
    );
    return "opened" as const;
  } catch (e) {
    if (isUniqueViolation(e)) return "stale" as const;
    throw e;
  }
}
