// A page's incidents and maintenance, newest first: resolve, write the postmortem, schedule maintenance.
import { UPDATE_LABEL } from "../../../worker/status/labels.ts";
import { type Answer, api, esc, fmt, ok, problemText, type Query } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { formQuery, list } from "../lib/list";
import { $, allComponents, audienceSentence, choosePage, formFields, saved, showErrors } from "./status-shared";

type Incident = Answer<"/api/v1/status/pages/{pageId}/incidents">["data"][number];
type IncidentQuery = Query<"/api/v1/status/pages/{pageId}/incidents">;

let pageId = "";
const pmForm = $<HTMLFormElement>("pm-form");
const mtForm = $<HTMLFormElement>("mt-form");

function postmortemCell(i: Incident) {
  if (i.kind !== "incident") return "—";
  if (i.postmortemPublishedAt) return `Published ${esc(fmt.date(i.postmortemPublishedAt))}`;
  return i.postmortemBody ? "Draft" : "—";
}

function actionsCell(i: Incident) {
  const name = `<span class="skip"> ${esc(i.name)}</span>`;
  if (!i.resolvedAt) {
    const verb = i.kind === "incident" ? "Resolve" : "Complete";
    return `<button type="button" class="secondary" data-resolve="${esc(i.id)}">${verb}${name}</button>`;
  }
  if (i.kind !== "incident") return "";
  const verb = i.postmortemBody ? "Edit postmortem" : "Write postmortem";
  return `<button type="button" class="secondary" data-postmortem="${esc(i.id)}">${verb}${name}</button>`;
}

const incidents = list({
  body: $("incidents"),
  empty: "Nothing yet on this page.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/status/pages/{pageId}/incidents", {
        params: {
          path: { pageId },
          query: formQuery<IncidentQuery>($("filters") as HTMLFormElement, ["kind"], cursor),
        },
      }),
    ),
  row: (i) => `<tr><td>${esc(i.name)}</td><td>${i.kind === "incident" ? "Incident" : "Maintenance"}</td>
    <td>${esc(UPDATE_LABEL[i.status] ?? i.status)}</td>
    <td>${esc(fmt.dateTime(i.kind === "maintenance" && i.scheduledFor ? i.scheduledFor : i.startedAt))}</td>
    <td>${postmortemCell(i)}</td><td>${actionsCell(i)}</td></tr>`,
});

async function resolve(id: string) {
  const i = incidents.items().find((x) => x.id === id);
  if (!i) return;
  try {
    const who = await audienceSentence(
      pageId,
      i.components.map((c) => c.id),
    );
    const go = await confirmAction({
      title: `${i.kind === "incident" ? "Resolve" : "Complete"} ${i.name}?`,
      body: `Its components return to operational on the public page. ${who ?? "No subscriber is notified."}`,
      action: who ? "Resolve and notify" : "Resolve",
    });
    if (!go) return;
    await ok(api.POST("/api/v1/status/incidents/{id}/resolve", { params: { path: { id } }, body: {} }));
    await incidents.reload();
  } catch (e) {
    $("status-error").textContent = problemText(e);
  }
}

function openPostmortem(id: string) {
  const i = incidents.items().find((x) => x.id === id);
  if (!i) return;
  $("pm-section").hidden = false;
  (pmForm.elements.namedItem("id") as HTMLInputElement).value = i.id;
  $("pm-of").textContent = `Of “${i.name}”, resolved ${fmt.dateTime(i.resolvedAt ?? i.updatedAt)}.`;
  $<HTMLTextAreaElement>("pm-body").value = i.postmortemBody ?? "";
  $<HTMLInputElement>("pm-publish").checked = true;
  $("pm-result").textContent = "";
  $("pm-body").focus();
}

async function savePostmortem(ev: SubmitEvent) {
  ev.preventDefault();
  const f = formFields(pmForm);
  const publish = $<HTMLInputElement>("pm-publish").checked;
  try {
    await ok(
      api.PUT("/api/v1/status/incidents/{id}/postmortem", {
        params: { path: { id: f.id ?? "" } },
        body: { body: f.body ?? "", publish },
      }),
    );
    saved(pmForm, $("pm-result"), publish ? "Published on the public page." : "Saved as a draft.");
    await incidents.reload();
  } catch (e) {
    showErrors(pmForm, $("pm-result"), e);
  }
}

/** A datetime-local value (the browser's time zone) as an ISO instant; undefined when empty. */
const instant = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

async function scheduleMaintenance(ev: SubmitEvent) {
  ev.preventDefault();
  const f = formFields(mtForm);
  const componentIds = [...mtForm.querySelectorAll<HTMLInputElement>("[data-mt]:checked")].map((c) => c.value);
  try {
    const m = await ok(
      api.POST("/api/v1/status/pages/{pageId}/maintenance", {
        params: { path: { pageId } },
        body: {
          name: f.name ?? "",
          body: f.body ?? "",
          // Missing times reach the API as they are, so its message names the field.
          scheduledFor: instant(f.scheduledFor) as string,
          scheduledUntil: instant(f.scheduledUntil) as string,
          componentIds,
          autoTransition: $<HTMLInputElement>("mt-auto").checked,
        },
      }),
    );
    mtForm.reset();
    saved(mtForm, $("mt-result"), `Scheduled ${m.name}.`);
    await incidents.reload();
  } catch (e) {
    showErrors(mtForm, $("mt-result"), e);
  }
}

async function loadComponents() {
  const data = await allComponents(pageId);
  $("mt-components").innerHTML =
    data
      .map(
        (c) =>
          `<p><label for="mt-c-${esc(c.id)}" style="display:inline;font-weight:400"><input type="checkbox" id="mt-c-${esc(c.id)}" data-mt value="${esc(c.id)}" /> ${esc(c.name)}</label></p>`,
      )
      .join("") || '<p class="muted">No components on this page.</p>';
}

document.addEventListener("click", (ev) => {
  const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-resolve], [data-postmortem]");
  if (btn?.dataset.resolve) void resolve(btn.dataset.resolve);
  else if (btn?.dataset.postmortem) openPostmortem(btn.dataset.postmortem);
});
$("filters").addEventListener("change", () => void incidents.reload());
pmForm.addEventListener("submit", savePostmortem);
mtForm.addEventListener("submit", scheduleMaintenance);
void choosePage((page) => {
  pageId = page.id;
  $("pm-section").hidden = true;
  void incidents.reload();
  void loadComponents().catch((e) => {
    $("status-error").textContent = problemText(e);
  });
});
