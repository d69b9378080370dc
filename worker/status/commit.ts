// A change to a page: its writes in one batch with the page's version bump, then what follows it.
import { type Db, runBatch, type Statement } from "../lib/db.ts";
import { enqueue } from "../lib/queue.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { purgePage } from "./cache.ts";
import { bumpPage } from "./store/pages.ts";

/**
 * Runs `statements` and the page's version bump as one batch, then drops cached renders and
 * asks for webhook delivery and subscriber notification.
 */
export async function commit(env: Env, db: Db, pageId: string, statements: Statement[], now: number): Promise<void> {
  await runBatch(db, [bumpPage(db, pageId, now), ...statements]);
  purgePage(pageId);
  if (statements.length) {
    await kickWebhooks(env);
    await enqueue(env, { kind: "status.notify.fanout" });
  }
}

/** Whether a failed batch hit a unique key: the work it carried was already done. */
export const isUniqueViolation = (e: unknown) =>
  /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(`${e} ${(e as { cause?: unknown })?.cause}`);
