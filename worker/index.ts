import { app } from "./app.ts";
import { runQueue, runScheduled } from "./jobs.ts";
import { notePageHost } from "./status/index.ts";

export default {
  async fetch(request, env, ctx) {
    await notePageHost(request, env);
    return app.fetch(request, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
  queue: runQueue,
} satisfies ExportedHandler<Env>;
