import { afterAll, beforeAll, expect, it } from "vitest";
import {
  bindingRecipients,
  crashMidDelivery,
  expectAtLeastOnce,
  expectAtMostOnce,
  killWhileSending,
  outboxRows,
  queueDueEmails,
  tally,
} from "../support/crash.ts";
import { emlFiles } from "../support/email-binding.ts";
import { type LocalRapport, startLocalRapport, workerTmp } from "../support/local-rapport.ts";

// crash.test.ts with Cloudflare's send_email binding: Miniflare's local binding checks and parses
// each message and writes it to an .eml file before it answers, so the files are what the binding
// was handed. Each test queues its own emails (the Worker stopped), starts the Worker under its
// guarantee, kills it mid-delivery with SIGKILL, and starts it again on the same state.
const EMAILS = 300;

let rapport: LocalRapport | undefined;
beforeAll(async () => {
  rapport = await startLocalRapport(
    { EMAIL_PROVIDER: "binding", EMAIL_STALE_SENDING_SECONDS: "3" },
    { empty: true, cronEveryMs: 1000, sendEmail: true },
  );
});
afterAll(() => rapport?.stop());

async function deliverThroughCrash(prefix: string, guarantee: "at-most-once" | "at-least-once") {
  if (!rapport) throw new Error("not started");
  const running = rapport;
  await running.crash();
  await queueDueEmails(running.state, prefix, EMAILS);
  const before = (await emlFiles(workerTmp(running.state))).length;
  const vars = { EMAIL_DELIVERY_GUARANTEE: guarantee };
  await running.restart(vars);
  const handed = async () => (await emlFiles(workerTmp(running.state))).length - before;
  await crashMidDelivery(running, EMAILS, handed, { vars, kill: () => killWhileSending(running) });
  const mine = (address: string | null) => address?.startsWith(`${prefix}-`) ?? false;
  // Every message is in the outbox API, whatever became of it.
  const rows = (await outboxRows(running)).filter((r) => mine(r.toAddress));
  expect(rows).toHaveLength(EMAILS);
  return { rows, got: tally((await bindingRecipients(running)).filter(mine)) };
}

it("send_email binding, at-most-once (the default): after SIGKILL mid-delivery no one gets a message twice, and every one not known sent is shown unknown", async () => {
  const { rows, got } = await deliverThroughCrash("most", "at-most-once");
  expectAtMostOnce(rows, got);
}, 120_000);

it("send_email binding, at-least-once: after SIGKILL mid-delivery everyone gets the message, and every duplicate is shown", async () => {
  const { rows, got } = await deliverThroughCrash("least", "at-least-once");
  expectAtLeastOnce(rows, got);
}, 120_000);
