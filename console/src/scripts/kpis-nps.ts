// NPS surveys with their scores, and the responses with their comments.
import { api, esc, fmt } from "../lib/api";
import { $, errorText } from "./kpis-shared";

type Survey = {
  id: string;
  name: string;
  closedAt: number | null;
  invited: number;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  comments: number;
  nps: number | null;
};
type Response = {
  id: string;
  email: string | null;
  name: string | null;
  score: number;
  segment: string;
  comment: string | null;
  channel: string;
  respondedAt: number;
};
type Page<T> = { data: T[]; nextCursor: string | null };

const filters = $<HTMLFormElement>("filters");
let cursor: string | null = null;

async function loadSurveys() {
  const { data } = await api<Page<Survey>>("/nps/surveys?limit=100");
  $("surveys").innerHTML = data.length
    ? data
        .map(
          (
            s,
          ) => `<tr><th scope="row">${esc(s.name)}</th><td>${s.nps ?? "—"}</td><td>${s.invited}</td><td>${s.responses}</td>
          <td>${s.invited ? fmt.pct(Math.min(1, s.responses / s.invited), 0) : "—"}</td><td>${s.promoters}</td>
          <td>${s.passives}</td><td>${s.detractors}</td><td>${s.comments}</td><td>${s.closedAt ? "closed" : "open"}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="10" class="muted">No surveys yet.</td></tr>`;
  const select = $<HTMLSelectElement>("f-survey");
  const chosen = select.value;
  select.innerHTML = `<option value="">All surveys</option>${data
    .map((s) => `<option value="${esc(s.id)}"${s.id === chosen ? " selected" : ""}>${esc(s.name)}</option>`)
    .join("")}`;
}

async function loadResponses(append = false) {
  const data = new FormData(filters);
  const q = new URLSearchParams({ limit: "50" });
  for (const name of ["survey", "segment", "comment"]) {
    const v = String(data.get(name) ?? "");
    if (v) q.set(name, v);
  }
  if (append && cursor) q.set("cursor", cursor);
  const page = await api<Page<Response>>(`/nps/responses?${q}`);
  cursor = page.nextCursor;
  const rows = page.data
    .map(
      (r) => `<tr><td>${esc(fmt.date(r.respondedAt))}</td><td>${esc(r.name ?? r.email ?? "—")}</td>
      <td><span class="status status-${r.segment === "promoter" ? "on_track" : r.segment === "passive" ? "at_risk" : "off_track"}">${r.score}</span> <span class="muted">${esc(r.segment)}</span></td>
      <td>${esc(r.comment ?? "")}</td><td>${esc(r.channel.replace("_", "-"))}</td></tr>`,
    )
    .join("");
  $("responses").innerHTML = append
    ? $("responses").innerHTML + rows
    : rows || `<tr><td colspan="5" class="muted">No responses match.</td></tr>`;
  $("more").hidden = !cursor;
}

$<HTMLFormElement>("survey-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  try {
    await api("/nps/surveys", { method: "POST", json: { name: new FormData(form).get("name") } });
    $("survey-result").textContent = "Created.";
    form.reset();
    await loadSurveys();
  } catch (e) {
    $("survey-result").textContent = `Not created: ${errorText(e)}`;
  }
});
filters.addEventListener("change", () => loadResponses());
$("more").addEventListener("click", () => loadResponses(true));
loadSurveys().then(() => loadResponses());
