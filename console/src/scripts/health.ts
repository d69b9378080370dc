// The health page: version, database and migrations, and whether cron is ticking.
import { api, esc, fmt, ok } from "../lib/api";
import { list } from "../lib/list";
import { loadPause, pauseSentence } from "./marketing-pause";

/** Cron ticks every minute: three without one means it is not running. */
export const CRON_STALE_MS = 3 * 60_000;

const $ = (id: string) => document.getElementById(id) as HTMLElement;

async function loadHealth() {
  // 503 answers the same document, saying what is wrong.
  const { data, error } = await api.GET("/api/v1/health");
  const h = data ?? error;
  const codes = (names: string[]) => names.map((m) => `<code>${esc(m)}</code>`).join(", ") || "none";
  $("health").innerHTML = h
    ? `<p><strong data-testid="health-status" class="${h.status === "ok" ? "ok" : "bad"}">${esc(h.status)}</strong> · version ${esc(h.version)}</p>
      <p>Database: ${h.database.reachable ? '<span class="ok">reachable</span>' : '<span class="bad">unreachable</span>'}</p>
      <p>Migrations applied: ${codes(h.database.migrations.applied)}</p>
      <p>Pending: ${codes(h.database.migrations.pending)}</p>`
    : '<p class="bad">Rapport did not answer.</p>';
}

function cronStatus(last: { scheduledAt: number; finishedAt: number; enqueued: number } | undefined) {
  const el = $("cron-status");
  const since = last ? Date.now() - last.finishedAt : Number.POSITIVE_INFINITY;
  el.className = since > CRON_STALE_MS ? "warn" : "ok";
  el.textContent = !last
    ? "Cron has not run yet: nothing that waits for it (deferred email, monitors, digests) will happen."
    : since > CRON_STALE_MS
      ? `Cron has not run for ${Math.round(since / 60_000)} minutes (last at ${fmt.dateTime(last.finishedAt)}): deferred email, monitors and digests are waiting.`
      : `Cron last ran at ${fmt.dateTime(last.finishedAt)} and enqueued ${fmt.int(last.enqueued)} messages.`;
}

const runs = list({
  body: $("cron-runs"),
  empty: "No tick recorded yet.",
  load: (cursor) =>
    ok(api.GET("/api/v1/jobs/cron-runs", { params: { query: { limit: 20, cursor: cursor ?? undefined } } })),
  onPage: (_page, all) => cronStatus(all[0]),
  row: (r) => `<tr><td>${esc(fmt.dateTime(r.scheduledAt))}</td><td>${fmt.int(r.finishedAt - r.startedAt)} ms</td>
      <td>${fmt.int(r.enqueued)}</td>
      <td>${esc(
        Object.entries(r.byKind)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(", ") || "—",
      )}</td><td class="${r.error ? "bad" : ""}">${esc(r.error ?? "")}</td></tr>`,
});

async function loadPauseState() {
  const p = await loadPause().catch(() => null);
  $("pause-state").className = p?.paused ? "warn" : "";
  $("pause-state").innerHTML = p ? pauseSentence(p) : "This key may not read the email settings.";
}
document.addEventListener("marketing-pause-changed", () => void loadPauseState());

await Promise.all([loadHealth(), runs.reload(), loadPauseState()]);
// Keep the answer to "is cron running?" current while the page stays open.
setInterval(() => void runs.reload(), 30_000);
