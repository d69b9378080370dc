// Set, change and remove quarterly KPI targets.
import { api, esc } from "../lib/api";
import { $, errorText, formatValue, type Kpi, quarterSelect, type Report, statusBadge } from "./kpis-shared";

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

async function load(keepKpi?: string) {
  const r = await api<Report>(`/kpis?quarter=${encodeURIComponent(quarterEl.value)}`);
  kpis = r.kpis;
  const wanted = keepKpi ?? new URLSearchParams(location.search).get("kpi") ?? kpiEl.value;
  kpiEl.innerHTML = kpis
    .map((k) => `<option value="${esc(k.kpi)}"${k.kpi === wanted ? " selected" : ""}>${esc(k.name)}</option>`)
    .join("");
  fill(kpiEl.value);
  const rows = kpis.filter((k) => k.target);
  $("targets").innerHTML = rows.length
    ? rows
        .map((k) => {
          const v = (n: number | null | undefined) => esc(formatValue(n, k.unit));
          return `<tr data-testid="target-${esc(k.kpi)}"><th scope="row">${esc(k.name)}</th><td>${v(k.value)}</td><td>${v(k.target?.startValue)}</td>
            <td>${v(k.target?.target)}</td><td>${v(k.pacing?.expected)}</td><td>${statusBadge(k.pacing?.status)}</td>
            <td>${esc(k.target?.ownerEmail ?? "")}</td>
            <td><button type="button" class="secondary" data-edit="${esc(k.kpi)}">Edit</button>
            <button type="button" class="secondary" data-delete="${esc(k.kpi)}" aria-label="Remove the target of ${esc(k.name)}">Remove</button></td></tr>`;
        })
        .join("")
    : `<tr><td colspan="8" class="muted">No targets for ${esc(quarterEl.value)} yet.</td></tr>`;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  try {
    await api(`/kpis/targets/${encodeURIComponent(quarterEl.value)}/${encodeURIComponent(kpiEl.value)}`, {
      method: "PUT",
      json: {
        startValue: Number(data.get("startValue")),
        target: Number(data.get("target")),
        direction: data.get("direction"),
        ownerEmail: data.get("ownerEmail"),
      },
    });
    $("target-result").textContent = "Saved.";
    await load(kpiEl.value);
  } catch (e) {
    $("target-result").textContent = `Not saved: ${errorText(e)}`;
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
  if (button.dataset.delete) {
    await api(`/kpis/targets/${encodeURIComponent(quarterEl.value)}/${encodeURIComponent(button.dataset.delete)}`, {
      method: "DELETE",
    });
    $("target-result").textContent = "Removed.";
    await load();
  }
});
kpiEl.addEventListener("change", () => fill(kpiEl.value));
quarterEl.addEventListener("change", () => load());
quarterSelect(quarterEl);
load().catch((e) => {
  $("target-result").textContent = `Could not load: ${errorText(e)}`;
});
