// Groups and components of a status page: add, edit (name, description, group, order), remove.
import { type Answer, api, esc, ok } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, choosePage, clearErrors, formFields, saved, showErrors } from "./status-shared";

type Group = Answer<"/api/v1/status/pages/{pageId}/groups">["data"][number];
type Component = Answer<"/api/v1/status/pages/{pageId}/components">["data"][number];

let pageId = "";
const groupForm = $<HTMLFormElement>("group-form");
const componentForm = $<HTMLFormElement>("component-form");
const path = () => ({ params: { path: { pageId } } });
const actions = (kind: string, id: string, name: string) =>
  `<td><button type="button" class="secondary" data-edit="${kind}" data-id="${esc(id)}">Edit<span class="skip"> ${esc(name)}</span></button>
   <button type="button" class="secondary" data-delete="${kind}" data-id="${esc(id)}">Delete<span class="skip"> ${esc(name)}</span></button></td>`;

const groups = list({
  body: $("groups"),
  empty: "No groups: components are listed ungrouped.",
  load: () => ok(api.GET("/api/v1/status/pages/{pageId}/groups", path())),
  row: (g) => `<tr><td>${esc(g.name)}</td><td>${g.position}</td>${actions("group", g.id, g.name)}</tr>`,
  onPage: (_, all) => {
    $<HTMLSelectElement>("k-group").innerHTML = `<option value="">No group</option>${all
      .map((g) => `<option value="${esc(g.id)}">${esc(g.name)}</option>`)
      .join("")}`;
    void components.reload();
  },
});

const components = list({
  body: $("components"),
  empty: "No components yet: add the first one below.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/status/pages/{pageId}/components", {
        params: { path: { pageId }, query: { limit: 50, cursor: cursor ?? undefined } },
      }),
    ),
  row: (c) =>
    `<tr><td>${esc(c.name)}</td><td>${esc(groups.items().find((g) => g.id === c.groupId)?.name ?? "—")}</td>
    <td>${c.position}</td><td>${esc(c.description ?? "")}</td>${actions("component", c.id, c.name)}</tr>`,
});

const position = (f: Record<string, string>) => (f.position === undefined ? undefined : Number(f.position));

async function saveGroup(ev: SubmitEvent) {
  ev.preventDefault();
  const f = formFields(groupForm);
  const body = { name: f.name ?? "", position: position(f) };
  try {
    const g = f.id
      ? await ok(api.PATCH("/api/v1/status/groups/{id}", { params: { path: { id: f.id } }, body }))
      : await ok(api.POST("/api/v1/status/pages/{pageId}/groups", { ...path(), body }));
    groupForm.reset();
    saved(groupForm, $("group-result"), `Saved ${g.name}.`);
    await groups.reload();
  } catch (e) {
    showErrors(groupForm, $("group-result"), e);
  }
}

async function saveComponent(ev: SubmitEvent) {
  ev.preventDefault();
  const f = formFields(componentForm);
  const body = {
    name: f.name ?? "",
    description: f.description ?? "",
    groupId: f.groupId ?? null,
    position: position(f),
  };
  try {
    const c = f.id
      ? await ok(api.PATCH("/api/v1/status/components/{id}", { params: { path: { id: f.id } }, body }))
      : await ok(api.POST("/api/v1/status/pages/{pageId}/components", { ...path(), body }));
    componentForm.reset();
    saved(componentForm, $("component-result"), `Saved ${c.name}.`);
    await components.reload();
  } catch (e) {
    showErrors(componentForm, $("component-result"), e);
  }
}

/** Fills a form with an item to edit (its hidden id makes the save a PATCH; it shadows `form.id`). */
function edit(form: HTMLFormElement, heading: string, values: Record<string, string | number | null>) {
  clearErrors(form);
  for (const [name, value] of Object.entries(values)) {
    const field = form.elements.namedItem(name) as HTMLInputElement | null;
    if (field) field.value = value === null ? "" : String(value);
  }
  $(`${form.getAttribute("id")}-h`).textContent = heading;
  (form.elements.namedItem("name") as HTMLInputElement).focus();
}

async function remove(kind: "group" | "component", id: string) {
  const item = (kind === "group" ? groups.items() : components.items()).find((x) => x.id === id);
  const go = await confirmAction({
    title: `Delete ${item?.name ?? kind}?`,
    body:
      kind === "group"
        ? "Its components stay on the page, ungrouped."
        : "It leaves the public page with its monitors; its past incidents stay in the history.",
    action: "Delete",
  });
  if (!go) return;
  try {
    if (kind === "group") await ok(api.DELETE("/api/v1/status/groups/{id}", { params: { path: { id } } }));
    else await ok(api.DELETE("/api/v1/status/components/{id}", { params: { path: { id } } }));
    await groups.reload();
  } catch (e) {
    showErrors(kind === "group" ? groupForm : componentForm, $(`${kind}-result`), e);
  }
}

document.addEventListener("click", (ev) => {
  const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-edit], [data-delete]");
  if (!btn) return;
  const id = btn.dataset.id as string;
  if (btn.dataset.delete) return void remove(btn.dataset.delete as "group" | "component", id);
  if (btn.dataset.edit === "group") {
    const g = groups.items().find((x: Group) => x.id === id);
    if (g) edit(groupForm, `Edit ${g.name}`, { id: g.id, name: g.name, position: g.position });
  } else {
    const c = components.items().find((x: Component) => x.id === id);
    if (c) {
      edit(componentForm, `Edit ${c.name}`, {
        id: c.id,
        name: c.name,
        description: c.description,
        groupId: c.groupId,
        position: c.position,
      });
    }
  }
});
for (const [form, heading] of [
  [groupForm, "Add a group"],
  [componentForm, "Add a component"],
] as const) {
  form.addEventListener("reset", () => {
    clearErrors(form);
    $(`${form.getAttribute("id")}-h`).textContent = heading;
    // A reset leaves hidden fields as they were: the next save adds, not edits.
    (form.elements.namedItem("id") as HTMLInputElement).value = "";
  });
}
groupForm.addEventListener("submit", saveGroup);
componentForm.addEventListener("submit", saveComponent);
void choosePage((page) => {
  pageId = page.id;
  void groups.reload();
});
