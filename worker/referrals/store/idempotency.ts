import { and, eq } from "drizzle-orm";
import { idempotencyKeys } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import type { Db, Statement } from "../../lib/db.ts";
import { conflict } from "../../lib/problem.ts";

const IDEMPOTENCY_SCOPE = "referrals.conversions";

/**
 * Runs a conversion at most once per Idempotency-Key: a replay gets the first answer, a
 * different body under the same key is refused. The key row, holding the answer, is written
 * in the same batch as the work, so either both exist or neither does.
 */
export async function withIdempotency<Result>(
  db: Db,
  key: string,
  rawBody: string,
  plan: () => Promise<{ stmts: Statement[]; body: Result }>,
  now = Date.now(),
): Promise<{ body: Result; replayed: boolean }> {
  const hash = await sha256Hex(rawBody);
  const stored = async () => {
    const row = await db.query.idempotencyKeys.findFirst({
      where: and(eq(idempotencyKeys.scope, IDEMPOTENCY_SCOPE), eq(idempotencyKeys.key, key)),
    });
    if (!row) return null;
    const saved = JSON.parse(row.body) as { hash: string; body: Result };
    if (saved.hash !== hash) throw conflict("This Idempotency-Key was used with a different request body");
    return { body: saved.body, replayed: true };
  };
  const earlier = await stored();
  if (earlier) return earlier;
  const { stmts, body } = await plan();
  const keyRow = db
    .insert(idempotencyKeys)
    .values({ scope: IDEMPOTENCY_SCOPE, key, status: 201, body: JSON.stringify({ hash, body }), createdAt: now });
  try {
    await db.batch([keyRow, ...stmts]);
  } catch (e) {
    // A concurrent request with the same key won the insert (and nothing of ours was written).
    const winner = await stored();
    if (winner) return winner;
    // Another conversion for the same customer attributed them first: nothing of ours was written.
    if (String((e as Error)?.cause ?? e).includes("UNIQUE constraint failed")) {
      throw conflict("A concurrent conversion for this customer won; retry with the same Idempotency-Key");
    }
    throw e;
  }
  return { body, replayed: false };
}
