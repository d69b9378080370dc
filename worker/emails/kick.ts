import { enqueue } from "../lib/queue.ts";

/** Asks the queue to deliver whatever is queued and due. Safe to call any number of times. */
export async function kick(env: Env): Promise<void> {
  await enqueue(env, { kind: "emails.dispatch" });
}
