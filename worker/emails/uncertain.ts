// Sends of unknown outcome: the consumer stopped mid-send, or the connection broke after the
// message may have left. Never sent again blindly: the provider is asked where it can be.
import type { Db } from "../lib/db.ts";
import type { Provider } from "./delivery/index.ts";
import { settleClaim } from "./store/delivery.ts";

export const DELIVERY_GUARANTEES = ["at-most-once", "at-least-once"] as const;

/** Whether SMTP and the binding send again after an attempt of unknown outcome (else: `unknown`). */
export const atLeastOnce = (env: Env) => env.EMAIL_DELIVERY_GUARANTEE === "at-least-once";

/** How long a claim may stay `sending` before its consumer is taken to have stopped. */
export function staleSendingMs(env: Env): number {
  const s = Number(env.EMAIL_STALE_SENDING_SECONDS);
  return (Number.isFinite(s) && s > 0 ? s : 600) * 1000;
}

/**
 * `sent`: the provider has it; `requeued`: queued to be sent again (safe, or at-least-once);
 * `unknown`: marked so and left; `later`: asked nothing conclusive, to settle on a later sweep;
 * `lost`: another consumer settled or claimed it first.
 */
export type Settled = "sent" | "requeued" | "unknown" | "later" | "lost";

type Claim = { id: string; claimedAt: number | null; provider: string | null };

const outcome = (done: boolean, settled: Settled): Settled => (done ? settled : "lost");

/** Back to queued, due now; flagged as a possible duplicate unless nothing can have been sent. */
async function requeue(db: Db, m: Claim, why: string, maybeDuplicate: boolean, now: number): Promise<Settled> {
  const set = { state: "queued" as const, sendAfter: now, lastError: `${why}; sent again`, maybeDuplicate };
  return outcome(await settleClaim(db, m.id, m.claimedAt, set, now), "requeued");
}

/** Settles a claim still `sending` after its consumer stopped, with what `provider` can tell. */
export async function settleStale(env: Env, db: Db, provider: Provider | null, m: Claim, now: number) {
  const why = "the consumer stopped while sending";
  // Only the provider that made the attempt knows of it.
  const same = provider && provider.name === m.provider ? provider : null;
  if (same?.find) {
    let found: { id: string | null } | null;
    try {
      found = await same.find(m.id);
    } catch (e) {
      const error = `${why}; asking ${same.name} failed: ${e instanceof Error ? e.message : String(e)}`;
      await settleClaim(db, m.id, m.claimedAt, { lastError: error.slice(0, 500) }, now);
      return "later";
    }
    if (found) {
      const set = { state: "sent" as const, providerMessageId: found.id, lastError: null };
      return outcome(await settleClaim(db, m.id, m.claimedAt, set, now), "sent");
    }
    return requeue(db, m, `${why}; ${same.name} does not have it`, false, now);
  }
  if (same?.dedupes) return requeue(db, m, `${why}; ${same.name} drops a repeated idempotency key`, false, now);
  if (atLeastOnce(env)) return requeue(db, m, why, true, now);
  const set = { state: "unknown" as const, lastError: `outcome unknown: ${why}` };
  return outcome(await settleClaim(db, m.id, m.claimedAt, set, now), "unknown");
}

/**
 * What to do after a send failed in a way that may have delivered it all the same: a provider
 * that de-duplicates is simply retried; one that can be asked is asked once the claim is stale
 * (its search may not show a message at once); otherwise `unknown`, or a retry flagged as a
 * possible duplicate under at-least-once.
 */
export async function settleUncertainError(
  env: Env,
  db: Db,
  provider: Provider,
  m: Claim,
  error: string,
  now: number,
): Promise<"unknown" | "later" | "lost" | "retry"> {
  if (provider.dedupes || atLeastOnce(env)) return "retry";
  if (provider.find) {
    await settleClaim(db, m.id, m.claimedAt, { lastError: `outcome uncertain, to be checked: ${error}` }, now);
    return "later";
  }
  const set = { state: "unknown" as const, lastError: `outcome unknown: ${error}` };
  return (await settleClaim(db, m.id, m.claimedAt, set, now)) ? "unknown" : "lost";
}
