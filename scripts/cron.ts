// Cron for local runs: Cloudflare fires the Worker's scheduled handler every minute (`* * * * *`
// in wrangler.toml) but `wrangler dev` never does. This fires it the same way, at each minute
// boundary with that boundary as its scheduled time, through workerd's own handler trigger.

export type CronTimer = { stop(): void };

export type CronOptions = {
  /** The cron expression passed to the handler (wrangler.toml's). */
  cron?: string;
  /** Ticks at every multiple of this (a minute on Cloudflare; tests pass less). */
  everyMs?: number;
  /** Told about each tick that could not be delivered (the Worker not up yet, or failing). */
  onError?: (scheduledTime: number, reason: string) => void;
};

/** The URL that runs the Worker's scheduled handler for `scheduledTime` (workerd under `wrangler dev`). */
export const scheduledUrl = (base: string, cron: string, scheduledTime: number) =>
  `${base}/cdn-cgi/handler/scheduled?${new URLSearchParams({ cron, time: String(scheduledTime) })}`;

/** Starts ticking the Worker at `base` (http://127.0.0.1:PORT) until `stop()`. */
export function startCron(base: string, opts: CronOptions = {}): CronTimer {
  const cron = opts.cron ?? "* * * * *";
  const every = opts.everyMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    const at = Math.floor(Date.now() / every) * every + every;
    timer = setTimeout(() => {
      next(); // the next tick is due at its own boundary, however long this one takes
      void tick(at);
    }, at - Date.now());
  };
  const tick = async (at: number) => {
    try {
      const res = await fetch(scheduledUrl(base, cron, at));
      if (!res.ok) opts.onError?.(at, `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (e) {
      opts.onError?.(at, e instanceof Error ? e.message : String(e));
    }
  };
  next();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
