import type { Miniflare } from "miniflare";
import type { ReceivedMail } from "../smtp-sink.ts";

export type BenchContext = {
  /** Base URL of the Worker under load, e.g. http://127.0.0.1:PORT */
  url: string;
  /** An admin API key valid in the bench database. */
  key: string;
  mf: Miniflare;
  d1: D1Database;
  /** Every message the Worker delivered, as the SMTP server it sends to received it. */
  mail: ReceivedMail[];
};

export type Scenario = {
  /** Printed as `endpoint`, e.g. "GET /r/:code (warm)". */
  name: string;
  method?: "GET" | "POST" | "HEAD";
  /** A fixed path, or a function called per request (for varying bodies or keys). */
  path: string;
  headers?: Record<string, string>;
  /** Headers added per request (for varying visitors). */
  perRequestHeaders?: () => Record<string, string>;
  body?: string | (() => string);
  /** Statuses that count as success (default 2xx and 3xx). */
  okStatuses?: number[];
  /** Ratio to the no-op the issue asks for, checked and printed as `pass`. */
  minRatio?: number;
  /** p99 at most this multiple of the no-op's p99. */
  maxP99Ratio?: number;
  /** Runs before the load (warming caches, creating fixtures). */
  before?: (ctx: BenchContext) => Promise<void>;
  /** Runs before each measured round of the scenario (after the no-op beside it). */
  beforeRound?: (ctx: BenchContext) => Promise<void>;
  /** Runs after the load; what it returns is added to the printed line. */
  after?: (
    ctx: BenchContext,
    sent: { requests: number; non2xx: number; runs: number },
  ) => Promise<Record<string, unknown>>;
};

/** What a capability adds to `npm run bench`. */
export type BenchSuite = {
  /** Extra data the capability's scenarios need, written once into the bench database. */
  prepare?: (ctx: BenchContext) => Promise<void>;
  scenarios: Scenario[];
};

/**
 * A suite that measures something other than throughput on a database of its own, printing its own
 * JSON lines (`npm run bench -- capacity`). Returns whether its targets are met.
 */
export type MeasureSuite = {
  name: string;
  measure: (build: { script: string; work: string }) => Promise<boolean>;
};
