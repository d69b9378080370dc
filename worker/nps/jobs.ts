import { z } from "@hono/zod-openapi";
import { kickEmails } from "../emails/index.ts";
import { getDb } from "../lib/db.ts";
import { type CronTask, defineJob, type MessagesOf } from "../lib/queue.ts";
import { kickWebhooks } from "../lib/webhooks.ts";
import { followUpAnswer } from "./store/loops.ts";

export const npsJobs = {
  // An answer was recorded: invite a promoter to refer, or open a detractor's follow-up (each once).
  "nps.answered": defineJob({
    schema: z.object({ kind: z.literal("nps.answered"), responseId: z.string().min(1).max(64) }),
    async run(messages, env) {
      const db = getDb(env.DB);
      const loops = [];
      for (const { body, message } of messages) {
        loops.push(await followUpAnswer(db, env.PUBLIC_URL, body.responseId, Date.now()));
        message.ack();
      }
      if (loops.includes("invite-to-refer")) await kickEmails(env);
      if (loops.includes("follow-up")) await kickWebhooks(env);
    },
  }),
};

declare module "../lib/queue.ts" {
  interface JobMessages extends MessagesOf<typeof npsJobs> {}
}

export const npsCron: CronTask[] = [];
