// A board's categories in the board editor: add, rename, move up or down, delete (after asking).
import { api, esc, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { clearFieldErrors, showFieldErrors } from "./emails-form";
import { $ } from "./feedback-types";

type Category = Schemas["FeedbackCategory"];
const form = $<HTMLFormElement>("new-category");
const result = $("category-result");
let board: Schemas["FeedbackBoard"] | null = null;
let onChange: () => Promise<void> = async () => {};
/** The ids in the order shown: the first cannot move up, the last not down. */
let order: string[] = [];

const button = (action: string, label: string, text: string, disabled = false) =>
  `<button type="button" class="secondary" data-action="${action}" aria-label="${esc(label)}"${disabled ? " disabled" : ""}>${text}</button>`;

const rows = list({
  body: $("category-rows"),
  empty: "No categories yet: add one below.",
  load: async () => {
    const page = await ok(
      api.GET("/api/v1/feedback/boards/{board}/categories", { params: { path: { board: board?.slug ?? "" } } }),
    );
    order = page.data.map((c) => c.id);
    return page;
  },
  row: (c: Category) => {
    const at = order.indexOf(c.id);
    return `<tr data-id="${esc(c.id)}"><td><input data-name value="${esc(c.name)}" maxlength="50" aria-label="Name of ${esc(c.name)}" /></td>
    <td>${button("up", `Move ${c.name} up`, "↑", at === 0)} ${button("down", `Move ${c.name} down`, "↓", at === order.length - 1)}</td>
    <td>${button("rename", `Save the name of ${c.name}`, "Rename")} ${button("delete", `Delete ${c.name}`, "Delete")}</td></tr>`;
  },
});

/** Runs one change, says how it went, and shows the list (and the pages that use it) again. */
async function change(done: string, call: () => Promise<unknown>) {
  try {
    await call();
    result.textContent = done;
    await Promise.all([rows.reload(), onChange()]);
  } catch (e) {
    result.textContent = `Not changed: ${problemText(e)}`;
  }
}

$("category-rows").addEventListener("click", async (e) => {
  const action = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]")?.dataset.action;
  const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>("tr[data-id]");
  const items = rows.items();
  const at = items.findIndex((c) => c.id === tr?.dataset.id);
  if (!action || !board || at < 0) return;
  const c = items[at];
  const path = { board: board.slug, id: c.id };
  if (action === "rename") {
    const name = tr?.querySelector<HTMLInputElement>("input[data-name]")?.value ?? "";
    await change(`Renamed to “${name.trim()}”.`, () =>
      ok(api.PATCH("/api/v1/feedback/boards/{board}/categories/{id}", { params: { path }, body: { name } })),
    );
  } else if (action === "up" || action === "down") {
    const ids = items.map((i) => i.id);
    const to = action === "up" ? at - 1 : at + 1;
    [ids[at], ids[to]] = [ids[to], ids[at]];
    await change(`Moved “${c.name}” ${action}.`, () =>
      ok(
        api.PUT("/api/v1/feedback/boards/{board}/categories", {
          params: { path: { board: path.board } },
          body: { ids },
        }),
      ),
    );
  } else if (action === "delete") {
    const sure = await confirmAction({
      title: `Delete the category “${c.name}”?`,
      body: "Its posts stay on the board without a category. This cannot be undone.",
      action: "Delete category",
    });
    if (sure) {
      await change(`Deleted “${c.name}”.`, () =>
        ok(api.DELETE("/api/v1/feedback/boards/{board}/categories/{id}", { params: { path } })),
      );
    }
  }
});

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!board) return;
  const name = String(new FormData(form).get("name") ?? "");
  try {
    await ok(
      api.POST("/api/v1/feedback/boards/{board}/categories", {
        params: { path: { board: board.slug } },
        body: { name },
      }),
    );
    clearFieldErrors(form);
    form.reset();
    result.textContent = `Added “${name.trim()}”.`;
    await Promise.all([rows.reload(), onChange()]);
  } catch (err) {
    result.textContent = showFieldErrors(form, err, (path) => (path === "name" ? "name" : undefined), "Not added");
  }
});

/** Shows the categories of the board being edited (hidden while a new board is being made). */
export function editCategories(b: Schemas["FeedbackBoard"] | undefined) {
  board = b ?? null;
  $("categories").hidden = !b;
  result.textContent = "";
  clearFieldErrors(form);
  if (b) {
    $("categories-h").textContent = `Categories of “${b.name}”`;
    void rows.reload();
  }
}

export function setUpCategories(changed: () => Promise<void>) {
  onChange = changed;
}

/** `select`'s category options, "Board: Category", after its fixed first options. */
export function fillCategoryOptions(select: HTMLSelectElement, boards: Schemas["FeedbackBoard"][], fixed: number) {
  const chosen = select.value;
  for (const o of [...select.options].slice(fixed)) o.remove();
  for (const b of boards) {
    for (const c of b.categories) select.add(new Option(`${b.name}: ${c.name}`, c.id));
  }
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}
