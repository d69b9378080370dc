// NPS surveys with their scores, and the responses with their comments.
import { api, esc, fmt, ok, type Query } from "../lib/api";
import { formQuery, list } from "../lib/list";
import { $, errorText } from "./kpis-shared";
import { fillLoopSurveys, setUpLoops } from "./nps-loops";
import { fillSurveys, setUpSend } from "./nps-send";

const filters = $<HTMLFormElement>("filters");
type ResponseQuery = Query<"/api/v1/nps/responses">;

const surveys = list({
  body: $("surveys"),
  empty: "No surveys yet.",
  load: (cursor) =>
    ok(api.GET("/api/v1/nps/surveys", { params: { query: { limit: 100, cursor: cursor ?? undefined } } })),
  row: (
    s,
  ) => `<tr><th scope="row">${esc(s.name)}</th><td>${s.nps ?? "—"}</td><td>${s.invited}</td><td>${s.responses}</td>
      <td>${s.invited ? fmt.pct(Math.min(1, s.responses / s.invited), 0) : "—"}</td><td>${s.promoters}</td>
      <td>${s.passives}</td><td>${s.detractors}</td><td>${s.comments}</td>
      <td>${s.promoterProgramId ? s.promotersInvited : `${s.promotersInvited} <span class="muted">(off)</span>`}</td>
      <td>${s.promotersReferred}</td><td>${s.closedAt ? "closed" : "open"}</td></tr>`,
  onPage: (_page, all) => {
    fillSurveys(all);
    fillLoopSurveys(all);
    const select = $<HTMLSelectElement>("f-survey");
    const chosen = select.value;
    select.innerHTML = `<option value="">All surveys</option>${all
      .map((s) => `<option value="${esc(s.id)}"${s.id === chosen ? " selected" : ""}>${esc(s.name)}</option>`)
      .join("")}`;
  },
});

const SEGMENT_STATUS = { promoter: "on_track", passive: "at_risk", detractor: "off_track" } as const;
const responses = list({
  body: $("responses"),
  empty: "No responses match.",
  load: (cursor) => {
    const query = formQuery<ResponseQuery>(filters, ["survey", "segment", "comment"], cursor);
    return ok(api.GET("/api/v1/nps/responses", { params: { query } }));
  },
  row: (r) => `<tr><td>${esc(fmt.date(r.respondedAt))}</td><td>${esc(r.name ?? r.email ?? "—")}</td>
      <td><span class="status status-${SEGMENT_STATUS[r.segment]}">${r.score}</span> <span class="muted">${esc(r.segment)}</span></td>
      <td>${esc(r.comment ?? "")}</td><td>${esc(r.channel.replace("_", "-"))}</td></tr>`,
});

$<HTMLFormElement>("survey-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  try {
    await ok(api.POST("/api/v1/nps/surveys", { body: { name: String(new FormData(form).get("name")) } }));
    $("survey-result").textContent = "Created.";
    form.reset();
    await surveys.reload();
  } catch (e) {
    $("survey-result").textContent = `Not created: ${errorText(e)}`;
  }
});
filters.addEventListener("change", () => responses.reload());
const followups = setUpLoops(() => surveys.reload());
const refresh = () => Promise.all([surveys.reload(), responses.reload(), followups.reload()]);
setUpSend(refresh);
await refresh();
// New answers appear while the page is open: look for a newer first response now and then, and
// reload the lists only when there is one (so they do not flash, and paging stays put otherwise).
setInterval(async () => {
  if (document.hidden) return;
  try {
    const query = formQuery<ResponseQuery>(filters, ["survey", "segment", "comment"], null, 1);
    const newest = await ok(api.GET("/api/v1/nps/responses", { params: { query } }));
    if (newest.data[0] && newest.data[0].id !== responses.items()[0]?.id) await refresh();
  } catch {
    // The next look tries again; the lists keep what they show.
  }
}, 30_000);
