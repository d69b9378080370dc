// The NPS loops: which program promoters are invited to, and detractors' follow-ups to mark done.
import { api, esc, fmt, ok, type Query, type Schemas } from "../lib/api";
import { formQuery, list } from "../lib/list";
import { $, errorText } from "./kpis-shared";

type Survey = Schemas["NpsSurvey"];
const loopForm = $<HTMLFormElement>("loop-form");
const surveySelect = $<HTMLSelectElement>("loop-survey");
const programSelect = $<HTMLSelectElement>("loop-program");
let known: Survey[] = [];

const option = (value: string, text: string) =>
  Object.assign(document.createElement("option"), { value, textContent: text });

/** The surveys to choose from, each showing the program it invites promoters to. */
export function fillLoopSurveys(surveys: Survey[]) {
  known = surveys;
  const chosen = surveySelect.value;
  surveySelect.replaceChildren(...surveys.map((s) => option(s.id, s.name)));
  if (surveys.some((s) => s.id === chosen)) surveySelect.value = chosen;
  showChosen();
}

function showChosen() {
  programSelect.value = known.find((s) => s.id === surveySelect.value)?.promoterProgramId ?? "";
}

async function loadPrograms() {
  try {
    const programs = await ok(api.GET("/api/v1/programs", { params: { query: { limit: 100, state: "active" } } }));
    programSelect.append(...programs.data.map((p) => option(p.id, p.name)));
    showChosen();
  } catch (e) {
    $("loop-result").textContent = `Could not load the referral programs: ${errorText(e)}`;
  }
}

export function setUpLoops(reloadSurveys: () => Promise<unknown>) {
  surveySelect.addEventListener("change", showChosen);
  loopForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const id = surveySelect.value;
      await ok(
        api.PATCH("/api/v1/nps/surveys/{id}", {
          params: { path: { id } },
          body: { promoterProgramId: programSelect.value || null },
        }),
      );
      $("loop-result").textContent = programSelect.value
        ? `Saved: promoters are invited to ${programSelect.selectedOptions[0]?.textContent ?? "the program"}.`
        : "Saved: promoters are not invited.";
      await reloadSurveys();
    } catch (e) {
      $("loop-result").textContent = `Not saved: ${errorText(e)}`;
    }
  });
  void loadPrograms();

  const filters = $<HTMLFormElement>("followup-filters");
  const followups = list({
    body: $("followups"),
    empty: "No follow-ups here.",
    load: (cursor) => {
      const query = formQuery<Query<"/api/v1/nps/followups">>(filters, ["state"], cursor);
      return ok(api.GET("/api/v1/nps/followups", { params: { query } }));
    },
    row: (f) => `<tr><td>${esc(fmt.date(f.createdAt))}</td><td>${esc(f.name ?? f.email ?? "—")}</td>
      <td><span class="status status-off_track">${f.score}</span></td><td>${esc(f.comment ?? "")}</td>
      <td>${esc(f.surveyName)}</td><td>${
        f.doneAt
          ? `${esc(fmt.date(f.doneAt))}`
          : `<button type="button" class="secondary" data-done="${esc(f.id)}">Mark done</button>`
      }</td></tr>`,
  });
  filters.addEventListener("change", () => followups.reload());
  $("followups").addEventListener("click", async (ev) => {
    const button = (ev.target as HTMLElement).closest<HTMLButtonElement>("button[data-done]");
    if (!button) return;
    button.disabled = true;
    try {
      const id = button.dataset.done as string;
      await ok(api.PATCH("/api/v1/nps/followups/{id}", { params: { path: { id } }, body: { done: true } }));
      $("followup-result").textContent = "Marked done.";
      await followups.reload();
    } catch (e) {
      button.disabled = false;
      $("followup-result").textContent = `Not marked done: ${errorText(e)}`;
    }
  });
  return followups;
}
