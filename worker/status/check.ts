// One HTTP monitor check, made against the outbound rule.
import { RefusedUrl, safeFetch } from "../lib/outbound.ts";
import type { OutboundEnv } from "../lib/urls.ts";
import type { Monitor } from "./types.ts";

export type CheckResult = { ok: boolean; statusCode: number | null; responseMs: number | null; error: string | null };

/** Redirects a check follows, each Location checked against the outbound rule. */
export const MAX_REDIRECTS = 5;

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
