// What a monitor's run decides: failures in a row, when it runs next, whether its incident opens or resolves.
import type { Monitor } from "./types.ts";

/**
 * The monitor after a run due at `runAt` and recorded at `now`: `failureThreshold` failures in a
 * row open an incident (one at a time), a pass resolves it. A monitor that fell behind runs next
 * one interval from now: missed runs are not replayed.
 */
export function afterRun(m: Monitor, runAt: number, ok: boolean, now: number) {
  const failures = ok ? 0 : m.consecutiveFailures + 1;
  const interval = m.intervalMinutes * 60_000;
  const due = runAt + interval;
  return {
    failures,
    nextRunAt: due <= now ? now + interval : due,
    open: !ok && failures >= m.failureThreshold && !m.openIncidentId,
    resolve: ok && Boolean(m.openIncidentId),
  };
}
