import { chunkBySize } from "../lib/db.ts";
import { enqueue } from "../lib/queue.ts";
import { visitorHashes } from "./redirect.ts";
import { type ClickTuple, type NamedClick, toTuple } from "./schemas.ts";

/**
 * Coalesces the clicks of concurrent redirects into one queue message per short window,
 * instead of one queue send per click. The redirect that opens a window hands its send to
 * `waitUntil`, which keeps the isolate up until every click in it is on the queue; the others
 * add theirs synchronously and need no `waitUntil` of their own (a `waitUntil` per request
 * halved the redirect's throughput in workerd). 50 ms: a click reaches the queue promptly, and
 * under load one message (one billed queue operation) carries hundreds of clicks.
 *
 * The visitor (IP + user agent) stays in this isolate's memory until the flush hashes it: the
 * queue and D1 only ever see the salted daily hash, and the redirect itself does no crypto.
 */
const WINDOW_MS = 50;
const MAX_CLICKS = 500;
// A queue message holds at most 128 KB. Counting three bytes per character (UTF-8's worst for
// a UTF-16 unit) keeps each message under this whatever its cities, hosts and campaigns.
const MAX_BYTES = 96_000;
const TUPLE_BYTES = 64; // numbers, nulls, quotes and commas of one click

/** A click before its visitor is hashed. */
export type PendingClick = NamedClick & { visitor: string };

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
    batch.sent = new Promise<void>((r) => setTimeout(r, WINDOW_MS)).then(() => flush(queue, secret, batch));
    open = batch;
    waitUntil(batch.sent);
  }
  const batch = open;
  batch.clicks.push(click);
  if (batch.clicks.length >= MAX_CLICKS) open = null;
  return batch.sent;
}

const bytesOf = (tuple: ClickTuple) => {
  let n = TUPLE_BYTES;
  for (const v of tuple) if (typeof v === "string") n += 3 * v.length;
  return n;
};

/** Off the response path: hash the visitors, then send the window's clicks in messages under the size limit. */
async function flush(queue: Queue, secret: string, batch: Batch): Promise<void> {
  if (open === batch) open = null;
  const hashes = await visitorHashes(secret, batch.clicks);
  const tuples = batch.clicks.map((c, i) => toTuple(c, hashes[i]));
  const messages = chunkBySize(tuples, bytesOf, MAX_BYTES);
  // One send each: a message may be near the queue's 128 KB, more than a batch send may carry together.
  await Promise.all(messages.map((clicks) => enqueue({ JOBS: queue }, { kind: "referrals.clicks", clicks })));
}
