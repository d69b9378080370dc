// Set, change and remove quarterly KPI targets.
import { api, esc, ok, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { clearFieldErrors, showFieldErrors } from "./emails-form";
import { $, errorText, formatValue, type Kpi, quarterSelect, statusBadge } from "./kpis-shared";

const form = $<HTMLFormElement>("target-form");
const quarterEl = $<HTMLSelectElement>("quarter");
const kpiEl = $<HTMLSelectElement>("kpi");
let kpis: Kpi[] = [];

/** Ratios are entered as they are stored (0.25 for 25%). */
function hint(k: Kpi | undefined) {
  $("unit-hint").textContent =
    k?.unit === "ratio" ? "This KPI is a ratio: enter 0.25 for 25%." : k ? `Unit: ${k.unit}.` : "";
}

function fill(kpi: string) {
  const k = kpis.find((x) => x.kpi === kpi);
  $<HTMLInputElement>("start").value = k?.target
    ? String(k.target.startValue)
    : k?.value != null
      ? String(k.value)
      : "";
  $<HTMLInputElement>("target").value = k?.target ? String(k.target.target) : "";
  $<HTMLSelectElement>("direction").value = k?.target?.direction ?? k?.direction ?? "higher";
  $<HTMLInputElement>("owner").value = k?.target?.ownerEmail ?? $<HTMLInputElement>("owner").value;
  hint(k);
}

let keep: string | undefined;
const targets = list({
  body: $("targets"),
  empty: "No targets for this quarter yet.",
  load: async () => {
    const r = await ok(api.GET("/api/v1/kpis", { params: { query: { quarter: quarterEl.value } } }));
    kpis = r.kpis;
    const wanted = keep ?? new URLSearchParams(location.search).get("kpi") ?? kpiEl.value;
    kpiEl.innerHTML = kpis
      .map((k) => `<option value="${esc(k.kpi)}"${k.kpi === wanted ? " selected" : ""}>${esc(k.name)}</option>`)
      .join("");
    fill(kpiEl.value);
    return { data: kpis.filter((k) => k.target) };
  },
  row: (k) => {
    const v = (n: number | null | undefined) => esc(formatValue(n, k.unit));
    return `<tr data-testid="target-${esc(k.kpi)}"><th scope="row">${esc(k.name)}</th><td>${v(k.value)}</td><td>${v(k.target?.startValue)}</td>
      <td>${v(k.target?.target)}</td><td>${v(k.pacing?.expected)}</td><td>${statusBadge(k.pacing?.status)}</td>
      <td>${esc(k.target?.ownerEmail ?? "")}</td>
      <td><button type="button" class="secondary" data-edit="${esc(k.kpi)}">Edit</button>
      <button type="button" class="secondary" data-delete="${esc(k.kpi)}" aria-label="Remove the target of ${esc(k.name)}">Remove</button></td></tr>`;
  },
});
const load = (keepKpi?: string) => {
  keep = keepKpi;
  return targets.reload();
};
const targetPath = (kpi: string) => ({ path: { quarter: quarterEl.value, kpi: kpi as Kpi["kpi"] } });

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  try {
    await ok(
      api.PUT("/api/v1/kpis/targets/{quarter}/{kpi}", {
        params: targetPath(kpiEl.value),
        body: {
          startValue: Number(data.get("startValue")),
          target: Number(data.get("target")),
          direction: String(data.get("direction")) as Schemas["PutKpiTarget"]["direction"],
          ownerEmail: String(data.get("ownerEmail") ?? "") || null,
        },
      }),
    );
    clearFieldErrors(form);
    $("target-result").textContent = "Saved.";
    await load(kpiEl.value);
  } catch (e) {
    // The API names body fields as the form does.
    $("target-result").textContent = showFieldErrors(form, e, (path) => path);
  }
});

$("targets").addEventListener("click", async (ev) => {
  const button = (ev.target as HTMLElement).closest("button");
  if (!button) return;
  if (button.dataset.edit) {
    kpiEl.value = button.dataset.edit;
    fill(button.dataset.edit);
    $<HTMLInputElement>("start").focus();
  }
  const kpi = button.dataset.delete;
  if (kpi) {
    const name = kpis.find((k) => k.kpi === kpi)?.name ?? kpi;
    const go = await confirmAction({
      title: `Remove the ${quarterEl.value} target of ${name}?`,
      body: "Its pacing and at-risk emails stop for this quarter. You can set it again later.",
      action: "Remove target",
    });
    if (!go) return;
    try {
      await ok(api.DELETE("/api/v1/kpis/targets/{quarter}/{kpi}", { params: targetPath(kpi) }));
      $("target-result").textContent = "Removed.";
      await load();
    } catch (e) {
      $("target-result").textContent = `Not removed: ${errorText(e)}`;
    }
  }
});
kpiEl.addEventListener("change", () => fill(kpiEl.value));
quarterEl.addEventListener("change", () => load());
quarterSelect(quarterEl);
await load();
