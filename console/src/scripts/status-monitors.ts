// A page's monitors: their state, response times, and adding or editing HTTP and heartbeat monitors.
import { STATUS_LABEL } from "../../../worker/status/labels.ts";
import { type Answer, api, esc, fmt, ok, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, allComponents, choosePage, clearErrors, copyButton, formFields, saved, showErrors } from "./status-shared";

type Monitor = Answer<"/api/v1/status/pages/{pageId}/monitors">["data"][number];
type Result = Answer<"/api/v1/status/monitors/{id}/results">["data"][number];
type Component = Answer<"/api/v1/status/pages/{pageId}/components">["data"][number];

let pageId = "";
let components: Component[] = [];
const form = $<HTMLFormElement>("monitor-form");
const field = <T extends HTMLElement = HTMLInputElement>(name: string) =>
  form.elements.namedItem(name) as T & { value: string };

function state(m: Monitor): [string, string] {
  if (!m.enabled) return ["muted", "Paused"];
  if (m.lastOk === false || m.openIncidentId) return ["bad", "Down"];
  if (m.lastOk) return ["ok", "Up"];
  return ["muted", m.kind === "heartbeat" ? "Waiting for the first beat" : "Not checked yet"];
}

const monitors = list({
  body: $("monitors"),
  empty: "No monitors on this page yet: add one below.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/status/pages/{pageId}/monitors", {
        params: { path: { pageId }, query: { limit: 50, cursor: cursor ?? undefined } },
      }),
    ),
  row: (m) => {
    const [cls, label] = state(m);
    const last = m.kind === "heartbeat" ? m.lastBeatAt : m.lastCheckedAt;
    const name = `<span class="skip"> ${esc(m.name)}</span>`;
    return `<tr><td>${esc(m.name)}</td><td>${m.kind === "http" ? "HTTP" : "Heartbeat"}</td>
      <td>${esc(components.find((c) => c.id === m.componentId)?.name ?? "")}</td>
      <td class="${cls}" data-state>${label}</td><td>${last ? esc(fmt.dateTime(last)) : "never"}</td>
      <td>${m.consecutiveFailures}</td>
      <td><button type="button" class="secondary" data-edit="${esc(m.id)}">Edit${name}</button>
      <button type="button" class="secondary" data-pause="${esc(m.id)}">${m.enabled ? "Pause" : "Resume"}${name}</button>
      ${m.kind === "http" ? `<button type="button" class="secondary" data-chart="${esc(m.id)}">Response times${name}</button>` : ""}
      <button type="button" class="secondary" data-delete="${esc(m.id)}">Delete${name}</button></td></tr>`;
  },
});

/** A plain SVG line of response times, failed checks marked in red. */
export function responseChart(results: Result[], width = 720, height = 180): string {
  const points = results.filter((r) => r.responseMs !== null).sort((a, b) => a.runAt - b.runAt);
  if (!points.length) return '<p class="muted">No results yet.</p>';
  const t0 = points[0].runAt;
  const t1 = Math.max(points[points.length - 1].runAt, t0 + 1);
  const max = Math.max(...points.map((p) => p.responseMs as number), 1);
  const x = (t: number) => 40 + ((t - t0) / (t1 - t0)) * (width - 50);
  const y = (ms: number) => height - 20 - (ms / max) * (height - 30);
  const line = points.map((p) => `${x(p.runAt).toFixed(1)},${y(p.responseMs as number).toFixed(1)}`).join(" ");
  const fails = points
    .filter((p) => !p.ok)
    .map(
      (p) =>
        `<circle cx="${x(p.runAt).toFixed(1)}" cy="${y(p.responseMs as number).toFixed(1)}" r="3" fill="var(--bad)"><title>failed: ${esc(p.statusCode ?? "no answer")}</title></circle>`,
    )
    .join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Response time, ${points.length} checks, up to ${max} ms">
    <line x1="40" y1="${height - 20}" x2="${width - 10}" y2="${height - 20}" stroke="var(--line)"/>
    <text x="0" y="14" font-size="11" fill="currentColor">${max} ms</text>
    <text x="0" y="${height - 22}" font-size="11" fill="currentColor">0</text>
    <polyline points="${line}" fill="none" stroke="var(--accent)" stroke-width="1.5"/>${fails}</svg>`;
}

async function showChart(id: string, name: string) {
  const { data } = await ok(
    api.GET("/api/v1/status/monitors/{id}/results", { params: { path: { id }, query: { limit: 500 } } }),
  );
  $("chart").hidden = false;
  $("chart-title").textContent = `Response time: ${name}`;
  $("chart-svg").innerHTML = responseChart(data);
  const passed = data.filter((r) => r.ok).length;
  const times = data.map((r) => r.responseMs ?? 0).sort((a, b) => a - b);
  $("chart-summary").textContent = data.length
    ? `${data.length} checks, ${fmt.pct(passed / data.length, 2)} passed, median ${times[Math.floor(times.length / 2)]} ms`
    : "";
}

/** Shows only the fields of the chosen kind; kind and component are fixed once a monitor exists. */
function showKind() {
  const kind = field<HTMLSelectElement>("kind").value;
  for (const el of form.querySelectorAll<HTMLElement>("[data-kind]")) el.hidden = el.dataset.kind !== kind;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** The form's values as the API takes them, for the chosen kind only. */
function values() {
  const f = formFields(form);
  const failureStatus = f.failureStatus as Schemas["UpdateMonitor"]["failureStatus"];
  // Read from the select itself: disabled while editing, it is not in the form's data.
  if (field<HTMLSelectElement>("kind").value === "heartbeat")
    return { kind: "heartbeat" as const, name: f.name, periodSeconds: num(f.periodSeconds), failureStatus };
  return {
    kind: "http" as const,
    name: f.name,
    url: f.url ?? "",
    method: f.method as Schemas["UpdateMonitor"]["method"],
    expectedStatusMin: num(f.expectedStatusMin),
    expectedStatusMax: num(f.expectedStatusMax),
    keyword: f.keyword,
    timeoutMs: num(f.timeoutMs),
    intervalMinutes: num(f.intervalMinutes),
    failureThreshold: num(f.failureThreshold),
    failureStatus,
  };
}

async function save(ev: SubmitEvent) {
  ev.preventDefault();
  const id = field("id").value;
  const { kind, ...rest } = values();
  const result = $("monitor-result");
  $("heartbeat").hidden = true;
  try {
    if (id) {
      const body = kind === "http" ? { ...rest, keyword: (rest as { keyword?: string }).keyword ?? null } : rest;
      const m = await ok(api.PATCH("/api/v1/status/monitors/{id}", { params: { path: { id } }, body }));
      form.reset();
      saved(form, result, `Saved ${m.name}.`);
    } else {
      const m = await ok(
        api.POST("/api/v1/status/components/{id}/monitors", {
          params: { path: { id: field("componentId").value } },
          body: { kind, ...rest } as Schemas["CreateMonitor"],
        }),
      );
      form.reset();
      saved(form, result, `Added ${m.name}.`);
      if (m.heartbeatUrl) {
        $("heartbeat").hidden = false;
        $("heartbeat-url").textContent = m.heartbeatUrl;
        $("heartbeat-copy").focus();
      }
    }
    await monitors.reload();
  } catch (e) {
    showErrors(form, result, e);
  }
}

function edit(m: Monitor) {
  form.reset();
  clearErrors(form);
  $("monitor-form-h").textContent = `Edit ${m.name}`;
  const set: Record<string, string | number | null> = {
    id: m.id,
    kind: m.kind,
    componentId: m.componentId,
    name: m.name,
    url: m.url,
    method: m.method,
    expectedStatusMin: m.expectedStatusMin,
    expectedStatusMax: m.expectedStatusMax,
    keyword: m.keyword,
    timeoutMs: m.timeoutMs,
    intervalMinutes: m.intervalMinutes,
    failureThreshold: m.failureThreshold,
    periodSeconds: m.periodSeconds,
    failureStatus: m.failureStatus,
  };
  for (const [name, value] of Object.entries(set))
    if (field(name)) field(name).value = value === null ? "" : String(value);
  field<HTMLSelectElement>("kind").disabled = true;
  field<HTMLSelectElement>("componentId").disabled = true;
  showKind();
  field("name").focus();
}

async function act(btn: HTMLButtonElement) {
  const id = (btn.dataset.edit ?? btn.dataset.pause ?? btn.dataset.chart ?? btn.dataset.delete) as string;
  const m = monitors.items().find((x) => x.id === id);
  if (!m) return;
  if (btn.dataset.edit) return edit(m);
  if (btn.dataset.chart) return showChart(m.id, m.name);
  try {
    if (btn.dataset.pause) {
      await ok(api.PATCH("/api/v1/status/monitors/{id}", { params: { path: { id } }, body: { enabled: !m.enabled } }));
    } else {
      const go = await confirmAction({
        title: `Delete ${m.name}?`,
        body: "Its results go with it; a heartbeat's URL stops working. This cannot be undone.",
        action: "Delete",
      });
      if (!go) return;
      await ok(api.DELETE("/api/v1/status/monitors/{id}", { params: { path: { id } } }));
    }
    await monitors.reload();
  } catch (e) {
    showErrors(form, $("monitor-result"), e);
  }
}

document.addEventListener("click", (ev) => {
  const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>(
    "[data-edit], [data-pause], [data-chart], [data-delete]",
  );
  if (btn) void act(btn);
});
form.addEventListener("reset", () => {
  field("id").value = "";
  field<HTMLSelectElement>("kind").disabled = false;
  field<HTMLSelectElement>("componentId").disabled = false;
  $("monitor-form-h").textContent = "Add a monitor";
  clearErrors(form);
  setTimeout(showKind); // after the reset has put the kind back
});
field("kind").addEventListener("change", showKind);
showKind(); // the kind may have been chosen before this script ran
form.addEventListener("submit", save);
$("refresh").addEventListener("click", () => void monitors.reload());
copyButton($<HTMLButtonElement>("heartbeat-copy"), () => $("heartbeat-url").textContent ?? "");
void choosePage(async (page) => {
  pageId = page.id;
  $("chart").hidden = true;
  $("heartbeat").hidden = true;
  try {
    components = await allComponents(pageId);
  } catch (e) {
    components = [];
    showErrors(form, $("monitor-result"), e);
  }
  field<HTMLSelectElement>("componentId").innerHTML = components
    .map((c) => `<option value="${esc(c.id)}">${esc(c.name)} (${esc(STATUS_LABEL[c.status] ?? c.status)})</option>`)
    .join("");
  await monitors.reload();
});
