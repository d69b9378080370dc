// Monitors: creating one, and what a check's result, a heartbeat or its silence changes.
import { sha256Hex } from "../lib/crypto.ts";
import { type Db, runBatch, type Statement } from "../lib/db.ts";
import { newId, randomString } from "../lib/ids.ts";
import { badRequest } from "../lib/problem.ts";
import { type OutboundEnv, outboundUrlProblem } from "../lib/urls.ts";
import type { CheckResult } from "./check.ts";
import { commit, isUniqueViolation } from "./commit.ts";
import { afterRun } from "./monitor-outcome.ts";
import type { CreateMonitorInput, UpdateMonitorInput } from "./schemas.ts";
import { getComponent } from "./store/components.ts";
import { getIncident, planCreateIncident, planUpdate } from "./store/incidents.ts";
import {
  getMonitor,
  insertMonitor,
  monitorByTokenHash,
  monitorUpdate,
  resultStatement,
  saveMonitor,
} from "./store/monitors.ts";
import type { Component, Monitor } from "./types.ts";

const TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * Creates an HTTP monitor (its URL allowed by the outbound rule, its status range not empty) or a
 * heartbeat, whose secret token is returned this once: only its hash is stored.
 */
export async function createMonitor(
  env: OutboundEnv,
  db: Db,
  component: Component,
  input: CreateMonitorInput,
  now: number,
): Promise<{ monitor: Monitor; token: string | null }> {
  const base = { id: newId("mon", now), componentId: component.id, createdAt: now, enabled: true };
  if (input.kind === "http") {
    checkHttpSettings(env, input.url, input.expectedStatusMin, input.expectedStatusMax);
    const row = { ...base, ...input, name: input.name ?? new URL(input.url).host, nextRunAt: now };
    return { monitor: await insertMonitor(db, row), token: null };
  }
  const token = randomString(32, TOKEN_ALPHABET);
  const monitor = await insertMonitor(db, {
    ...base,
    kind: "heartbeat",
    name: input.name ?? `${component.name} heartbeat`,
    periodSeconds: input.periodSeconds,
    failureStatus: input.failureStatus,
    failureThreshold: 1,
    tokenHash: await sha256Hex(token),
    nextRunAt: now + input.periodSeconds * 1000,
  });
  return { monitor, token };
}

/** Refuses a URL the outbound rule forbids and an empty expected status range. */
function checkHttpSettings(env: OutboundEnv, url: string | undefined, min: number, max: number) {
  const why = url === undefined ? null : outboundUrlProblem(url, env);
  if (why) throw badRequest("The monitor URL is not allowed", [{ path: "body.url", message: why }]);
  if (max < min) {
    throw badRequest("The expected status range is empty", [
      { path: "body.expectedStatusMax", message: "must be at least the lowest expected status" },
    ]);
  }
}

const HTTP_ONLY = [
  "url",
  "method",
  "expectedStatusMin",
  "expectedStatusMax",
  "keyword",
  "timeoutMs",
  "intervalMinutes",
  "failureThreshold",
] as const;

/**
 * Edits a monitor: fields of its own kind only. An HTTP monitor whose check changed (or that is
 * resumed) runs at once; a heartbeat given a new period has that long from now for its next beat.
 */
export async function editMonitor(env: OutboundEnv, db: Db, m: Monitor, input: UpdateMonitorInput, now: number) {
  const foreign = m.kind === "http" ? ["periodSeconds" as const] : HTTP_ONLY;
  const wrong = foreign.filter((k) => input[k] !== undefined);
  if (wrong.length) {
    throw badRequest(
      `Not a setting of a ${m.kind} monitor`,
      wrong.map((k) => ({
        path: `body.${k}`,
        message: `only ${m.kind === "http" ? "heartbeat" : "HTTP"} monitors have it`,
      })),
    );
  }
  const set: Partial<Monitor> = { ...input };
  if (m.kind === "http") {
    checkHttpSettings(
      env,
      input.url,
      input.expectedStatusMin ?? m.expectedStatusMin,
      input.expectedStatusMax ?? m.expectedStatusMax,
    );
    if (input.enabled || HTTP_ONLY.some((k) => input[k] !== undefined)) set.nextRunAt = now;
  } else if (input.periodSeconds !== undefined && !m.openIncidentId) {
    set.nextRunAt = now + input.periodSeconds * 1000;
  }
  return Object.keys(set).length ? saveMonitor(db, m.id, set) : m;
}

/** The writes that open an automatic incident for a failing monitor. */
async function openAutoIncident(db: Db, m: Monitor, reason: string, now: number, updateId: string) {
  const component = await getComponent(db, m.componentId);
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
  const incident = await getIncident(db, m.openIncidentId).catch(() => null);
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
  const { failures, nextRunAt, open, resolve } = afterRun(m, runAt, r.ok, now);
  let openIncidentId = m.openIncidentId;
  let pageId: string | null = null;
  let effects: Statement[] = [];
  if (open) {
    const opened = await openAutoIncident(db, m, r.error ?? "check failed", now, `upd_${m.id}_${runAt}`);
    if (opened) {
      ({ pageId, incidentId: openIncidentId, statements: effects } = opened);
    }
  } else if (resolve) {
    effects = await resolveAutoIncident(db, m, now, `upd_${m.id}_${runAt}`);
    pageId = (await getComponent(db, m.componentId))?.pageId ?? null;
    openIncidentId = null;
  }
  const statements: Statement[] = [
    resultStatement(db, m.id, runAt, r, now),
    monitorUpdate(db, m.id, {
      consecutiveFailures: failures,
      lastCheckedAt: now,
      lastOk: r.ok,
      nextRunAt,
      openIncidentId,
    }),
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

/** A heartbeat arrived: push its deadline out and resolve the incident its silence opened. */
export async function recordBeat(env: Env, db: Db, token: string, now: number): Promise<Monitor | null> {
  const m = await monitorByTokenHash(db, await sha256Hex(token));
  if (m?.kind !== "heartbeat") return null;
  const effects = await resolveAutoIncident(db, m, now, newId("upd", now));
  const statements: Statement[] = [
    monitorUpdate(db, m.id, {
      lastBeatAt: now,
      lastOk: true,
      consecutiveFailures: 0,
      nextRunAt: now + (m.periodSeconds ?? 60) * 1000,
      openIncidentId: null,
    }),
    ...effects,
  ];
  const pageId = effects.length ? (await getComponent(db, m.componentId))?.pageId : null;
  if (pageId) await commit(env, db, pageId, statements, now);
  else await runBatch(db, statements);
  return m;
}

/** A heartbeat missed its deadline: the component goes down with an automatic incident. Idempotent. */
export async function markHeartbeatMissed(env: Env, db: Db, id: string, deadline: number, now: number) {
  const m = await getMonitor(db, id);
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
        monitorUpdate(db, m.id, { openIncidentId: opened.incidentId, lastOk: false, lastCheckedAt: now }),
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
