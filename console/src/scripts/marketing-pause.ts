// The incident pause of marketing email: a banner on every console page while it lasts, with a
// manual resume, and the sentence the health page shows.
import { type Answer, api, esc, fmt, ok, problemText } from "../lib/api";
import { confirmAction } from "../lib/confirm";

export type MarketingPause = Answer<"/api/v1/emails/pause">;

/** The pause now, or null when this key may not read it (no `emails`, `read` or `admin` scope). */
export async function loadPause(): Promise<MarketingPause | null> {
  const { data } = await api.GET("/api/v1/emails/pause");
  return data ?? null;
}

/** Which incidents on which pages hold the pause, and since when; or how the last one ended. */
export function pauseSentence(p: MarketingPause): string {
  if (p.paused) {
    const by = p.incidents.map((i) => `“${esc(i.incidentName)}” on ${esc(i.pageName)}`).join(", ");
    return `Marketing email is paused since ${esc(fmt.dateTime(p.since ?? 0))} by the incident ${by}. Transactional and status email still go.`;
  }
  const last = p.lastResumed;
  if (!last) return "Marketing email is not paused; no incident has paused it yet.";
  const how = last.resumedBy === "incident" ? "when its incident resolved" : `by ${esc(last.resumedBy)}`;
  return `Marketing email is not paused. The last pause ended ${esc(fmt.dateTime(last.resumedAt))}, ${how}.`;
}

async function resume(p: MarketingPause) {
  const result = document.getElementById("marketing-pause-result") as HTMLElement;
  const go = await confirmAction({
    title: "Resume marketing email?",
    body: "Marketing email deferred by the incident goes out within a minute, although the incident is still open. Only a new major incident pauses it again.",
    action: "Resume marketing",
  });
  if (!go) return;
  try {
    await ok(api.POST("/api/v1/emails/pause/resume", { body: { pauseId: p.id ?? "" } }));
    (document.getElementById("marketing-resume") as HTMLElement).hidden = true;
    (document.getElementById("marketing-pause-text") as HTMLElement).textContent = "Marketing email resumed.";
    result.textContent = "";
    document.dispatchEvent(new CustomEvent("marketing-pause-changed"));
  } catch (e) {
    result.textContent = problemText(e);
  }
}

/** Shows the banner while marketing is paused. */
export async function showPauseBanner() {
  const banner = document.getElementById("marketing-pause");
  const p = await loadPause().catch(() => null);
  if (!banner || !p?.paused) return;
  (document.getElementById("marketing-pause-text") as HTMLElement).innerHTML = pauseSentence(p);
  const button = document.getElementById("marketing-resume") as HTMLButtonElement;
  button.hidden = false;
  button.onclick = () => void resume(p);
  banner.hidden = false;
}
