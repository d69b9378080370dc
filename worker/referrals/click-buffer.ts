import type { ClickMessage } from "./clicks.ts";
import { visitorHashes } from "./redirect.ts";

/**
 * Coalesces the clicks of concurrent redirects into one queue message (≤ 100 clicks) per
 * short window, instead of one queue send per click. The redirect that opens a window hands
 * its send to `waitUntil`, which keeps the isolate up until every click in it is on the
 * queue; the others add theirs synchronously and need no `waitUntil` of their own (a
 * `waitUntil` per request halved the redirect's throughput in workerd). 50 ms: a click reaches
 * the queue promptly, and under load a message fills to 100 clicks (~35 KB, one billed queue
 * operation) instead of many small ones.
 *
 * The visitor (IP + user agent) stays in this isolate's memory until the flush hashes it: the
 * queue and D1 only ever see the salted daily hash, and the redirect itself does no crypto.
 */
const WINDOW_MS = 50;
const MAX_BATCH = 100;

/** A click before its visitor is hashed. */
export type PendingClick = Omit<ClickMessage, "visitorHash"> & { visitor: string };

type Batch = { clicks: PendingClick[]; sent: Promise<void> };
let open: Batch | null = null;

export function bufferClick(
  queue: Queue,
  secret: string,
  click: PendingClick,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<void> {
  if (!open) {
    const batch: Batch = { clicks: [], sent: Promise.resolve() };
    batch.sent = new Promise<void>((r) => setTimeout(r, WINDOW_MS)).then(async () => {
      if (open === batch) open = null;
      const hashes = await visitorHashes(secret, batch.clicks);
      const clicks = batch.clicks.map(({ visitor: _, ...c }, i) => ({ ...c, visitorHash: hashes[i] }));
      await queue.send({ kind: "referrals.click", clicks });
    });
    open = batch;
    waitUntil(batch.sent);
  }
  const batch = open;
  batch.clicks.push(click);
  if (batch.clicks.length >= MAX_BATCH) open = null;
  return batch.sent;
}
