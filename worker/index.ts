import { app } from "./app.ts";
import { runQueue, runScheduled } from "./jobs.ts";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
  queue: runQueue,
} satisfies ExportedHandler<Env>;
