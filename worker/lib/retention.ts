// Retention: how long raw rows stay in D1 ([vars]), and what a capability hands the platform so its
// raw rows are archived to R2 and pruned in small batches while its rollups stay.
import type { Db } from "./db.ts";

export const DAY = 86_400_000;

/**
 * Each retention window: its variable, its default and the least it may be (days). Events keep
 * Segment's 24 h of duplicate detection at least; messages stay 30 days so that the unsubscribe
 * link of every message works for the 30 days the law asks (CAN-SPAM) and the weekly cap sees a week.
 */
export const RETENTION_WINDOWS = {
  events: { variable: "RETENTION_EVENTS_DAYS", days: 7, min: 1 },
  clicks: { variable: "RETENTION_CLICKS_DAYS", days: 90, min: 1 },
  emailBodies: { variable: "RETENTION_EMAIL_BODIES_DAYS", days: 7, min: 1 },
  emailMessages: { variable: "RETENTION_EMAIL_MESSAGES_DAYS", days: 30, min: 30 },
  monitorResults: { variable: "RETENTION_MONITOR_RESULTS_DAYS", days: 30, min: 1 },
  webhookDeliveries: { variable: "RETENTION_WEBHOOK_DELIVERIES_DAYS", days: 30, min: 1 },
  deadLetters: { variable: "RETENTION_DEAD_LETTERS_DAYS", days: 30, min: 1 },
} as const satisfies Record<string, { variable: keyof Env; days: number; min: number }>;

export type RetentionWindow = keyof typeof RETENTION_WINDOWS;

/** Days `window` keeps raw rows: the variable when it is a whole number from the least up to ten years, else the default. */
export function retentionDays(env: Partial<Record<keyof Env, unknown>>, window: RetentionWindow): number {
  const w = RETENTION_WINDOWS[window];
  const raw = env[w.variable];
  const days = typeof raw === "string" && /^\d{1,4}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  return Number.isInteger(days) && days >= w.min && days <= 3650 ? days : w.days;
}

/** The UTC day (days since the epoch) of a time in ms. */
export const dayOf = (ms: number) => Math.floor(ms / DAY);

/** A UTC day as YYYY-MM-DD. */
export const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** A raw row as the archive keeps it: its columns as D1 returns them (snake_case), with an `id`. */
export type ArchivedRow = Record<string, unknown> & { id: string };

/**
 * What a capability hands the platform for one kind of raw row. The platform asks `next` for the
 * oldest rows past the window, writes them to the archive, and only then calls `prune` with exactly
 * those rows, so nothing goes that is not archived. Every step is idempotent: a redelivered run
 * finds pruned rows gone and sealed days sealed.
 */
export type RetentionTask = {
  /** The archive folder and the name in the run record: a table, or a part of one (`email_bodies`). */
  name: string;
  window: RetentionWindow;
  /** The UTC day the archive files a row under. */
  dayOf(row: ArchivedRow): number;
  /** Before pruning: seal the rollups of what will go (raw rows older than `cutoff`). */
  prepare?(db: Db, cutoff: number): Promise<void>;
  /** The next rows to go, oldest first, at most `limit`. */
  next(db: Db, cutoff: number, limit: number): Promise<ArchivedRow[]>;
  /**
   * Prunes these rows and folds them into their rollups, in one batch; returns the ids that went.
   * A row missing from them was gone already (erased meanwhile): the archive is rewritten without it.
   */
  prune(db: Db, rows: ArchivedRow[], cutoff: number): Promise<string[]>;
  /** The least days raw rows must stay whatever the variable says (the longest attribution window). */
  floorDays?(db: Db): Promise<number>;
};
