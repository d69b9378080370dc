import { STATUS_LABEL as STATUSES, UPDATE_LABEL } from "../../../worker/status/labels.ts";
import { type Answer, api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";

type StatusPage = Answer<"/api/v1/status/pages">["data"][number];
type Component = Answer<"/api/v1/status/pages/{pageId}/components">["data"][number];
type Group = Answer<"/api/v1/status/pages/{pageId}/groups">["data"][number];
type Incident = Answer<"/api/v1/status/pages/{pageId}/incidents">["data"][number];
type Result = Answer<"/api/v1/status/monitors/{id}/results">["data"][number];
type Affected = NonNullable<Schemas["CreateIncident"]["components"]>[number];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const statusOptions = (selected: string, withNone = false) =>
  (withNone ? ['<option value="">Not affected</option>'] : [])
    .concat(
      Object.entries(STATUSES).map(
        ([v, label]) => `<option value="${v}"${v === selected ? " selected" : ""}>${esc(label)}</option>`,
      ),
    )
    .join("");

let pageId = "";
let pages: StatusPage[] = [];
let components: Component[] = [];
let groups: Group[] = [];
let open: Incident[] = [];

async function loadPages() {
  const { data } = await ok(api.GET("/api/v1/status/pages"));
  pages = data;
  const select = $<HTMLSelectElement>("page-select");
  select.innerHTML = data.map((p) => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join("");
  const choose = () => {
    pageId = select.value;
    const p = pages.find((x) => x.id === pageId);
    $<HTMLAnchorElement>("public-link").href = p ? `/status/${encodeURIComponent(p.slug)}` : "#";
    $<HTMLInputElement>("page-domain").value = p?.domain ?? "";
    $("domain-result").textContent = "";
    showDomainSetup(p?.domain ?? null);
    void loadPage();
  };
  select.addEventListener("change", choose);
  if (data.length) choose();
  else $("status-error").textContent = "No status page yet: create one with POST /api/v1/status/pages.";
}

/** What to put in wrangler.toml for the page's domain, and where the page will be. */
function showDomainSetup(domain: string | null) {
  $("domain-setup").hidden = !domain;
  if (!domain) return;
  $("domain-toml").textContent = `routes = [{ pattern = "${domain}", custom_domain = true }]`;
  const link = $<HTMLAnchorElement>("domain-link");
  link.href = `https://${domain}/`;
  link.textContent = `https://${domain}/`;
}

async function saveDomain(ev: SubmitEvent) {
  ev.preventDefault();
  const value = $<HTMLInputElement>("page-domain").value.trim();
  const result = $("domain-result");
  try {
    const saved = await ok(
      api.PATCH("/api/v1/status/pages/{pageId}", { params: { path: { pageId } }, body: { domain: value || null } }),
    );
    pages = pages.map((p) => (p.id === saved.id ? saved : p));
    result.textContent = saved.domain ? `Saved: served at ${saved.domain} once it is routed.` : "Saved: no own domain.";
    result.className = "ok";
    showDomainSetup(saved.domain);
  } catch (e) {
    result.textContent = problemText(e);
    result.className = "bad";
  }
}

async function loadPage() {
  try {
    const path = { path: { pageId } };
    const [c, g, i] = await Promise.all([
      ok(api.GET("/api/v1/status/pages/{pageId}/components", { params: path })),
      ok(api.GET("/api/v1/status/pages/{pageId}/groups", { params: path })),
      ok(
        api.GET("/api/v1/status/pages/{pageId}/incidents", {
          params: { ...path, query: { kind: "incident", limit: 20 } },
        }),
      ),
    ]);
    components = c.data;
    groups = g.data;
    open = i.data.filter((x) => !x.resolvedAt);
    renderBoard();
    renderComposer();
    await monitors.reload();
  } catch (e) {
    $("status-error").textContent = problemText(e);
  }
}

function renderBoard() {
  const sections = [...groups, { id: "", name: "Ungrouped", position: 1e9 }].map((g) => {
    const members = components.filter((c) => (c.groupId ?? "") === g.id);
    if (!members.length) return "";
    return `<div class="card"><h3>${esc(g.name)}</h3>${members
      .map(
        (c) => `<p><label for="st-${esc(c.id)}">${esc(c.name)}</label><br>
        <select id="st-${esc(c.id)}" data-component="${esc(c.id)}">${statusOptions(c.status)}</select></p>`,
      )
      .join("")}</div>`;
  });
  $("board").innerHTML = sections.join("");
}

function renderComposer() {
  $<HTMLSelectElement>("c-target").innerHTML = `<option value="">A new incident</option>${open
    .map((i) => `<option value="${esc(i.id)}">Update: ${esc(i.name)}</option>`)
    .join("")}`;
  const order = new Map(groups.map((g, i) => [g.id, i]));
  const byBoard = [...components].sort(
    (a, b) => (order.get(a.groupId ?? "") ?? 1e9) - (order.get(b.groupId ?? "") ?? 1e9),
  );
  $("c-components").innerHTML = byBoard
    .map(
      (c) => `<p><label for="cc-${esc(c.id)}">${esc(c.name)}</label><br>
      <select id="cc-${esc(c.id)}" data-affected="${esc(c.id)}">${statusOptions("", true)}</select></p>`,
    )
    .join("");
  renderPreview();
}

function formValues() {
  const form = $<HTMLFormElement>("composer");
  const data = new FormData(form);
  const affected = [...form.querySelectorAll<HTMLSelectElement>("[data-affected]")]
    .filter((s) => s.value)
    .map((s) => ({ id: s.dataset.affected as string, status: s.value as Affected["status"] }));
  return {
    target: String(data.get("target") ?? ""),
    name: String(data.get("name") ?? "").trim(),
    impact: String(data.get("impact") ?? "") as Schemas["CreateIncident"]["impact"] | "",
    status: String(data.get("status") ?? "investigating") as NonNullable<Schemas["CreateIncident"]["status"]>,
    body: String(data.get("body") ?? "").trim(),
    affected,
  };
}

/** The same markup and escaping as the public page's incident card. */
function renderPreview() {
  const v = formValues();
  $("c-new").hidden = Boolean(v.target);
  const name = v.target ? (open.find((i) => i.id === v.target)?.name ?? "") : v.name || "Untitled incident";
  const affected = v.affected
    .map((a) => `${esc(components.find((c) => c.id === a.id)?.name ?? a.id)}: ${esc(STATUSES[a.status])}`)
    .join(", ");
  $("preview").innerHTML = `<article class="incident"><h3>${esc(name)}${
    v.target ? "" : ` <span class="badge">impact: ${esc(v.impact || "from components")}</span>`
  }</h3><div class="update"><strong>${esc(UPDATE_LABEL[v.status] ?? v.status)}</strong>
    <span class="muted">${esc(new Date().toISOString().slice(0, 16).replace("T", " "))} UTC</span>
    <p style="white-space:pre-wrap">${esc(v.body || "Your message")}</p></div>${
      affected ? `<p class="muted">Affects ${affected}</p>` : ""
    }</article>`;
}

async function publish(ev: SubmitEvent) {
  ev.preventDefault();
  const v = formValues();
  const result = $("c-result");
  const go = await confirmAction({
    title: v.target ? "Publish this update?" : "Publish this incident?",
    body: "It appears on the public status page at once and every subscriber is notified by email or webhook.",
    action: "Publish and notify",
  });
  if (!go) return;
  try {
    if (v.target) {
      await ok(
        api.POST("/api/v1/status/incidents/{id}/updates", {
          params: { path: { id: v.target } },
          body: { status: v.status, body: v.body, ...(v.affected.length ? { components: v.affected } : {}) },
        }),
      );
    } else {
      await ok(
        api.POST("/api/v1/status/pages/{pageId}/incidents", {
          params: { path: { pageId } },
          body: {
            name: v.name,
            status: v.status as Schemas["CreateIncident"]["status"],
            body: v.body,
            components: v.affected,
            ...(v.impact ? { impact: v.impact } : {}),
          },
        }),
      );
    }
    result.textContent = "Published.";
    result.className = "ok";
    $<HTMLFormElement>("composer").reset();
    await loadPage();
  } catch (e) {
    result.textContent = problemText(e);
    result.className = "bad";
  }
}

const monitors = list({
  body: $("monitors"),
  empty: "No monitors on this page.",
  load: () => ok(api.GET("/api/v1/status/pages/{pageId}/monitors", { params: { path: { pageId } } })),
  row: (
    m,
  ) => `<tr><td>${esc(m.name)}${m.enabled ? "" : ' <span class="muted">(paused)</span>'}</td><td>${esc(m.kind)}</td>
      <td class="${m.lastOk === false ? "bad" : m.lastOk ? "ok" : ""}">${m.lastCheckedAt ? esc(fmt.dateTime(m.lastCheckedAt)) : "never"}</td>
      <td>${m.consecutiveFailures}</td>
      <td><button class="secondary" data-chart="${esc(m.id)}" data-name="${esc(m.name)}">Response times</button></td></tr>`,
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

document.addEventListener("change", async (ev) => {
  const el = ev.target as HTMLElement;
  if (el instanceof HTMLSelectElement && el.dataset.component) {
    const c = components.find((x) => x.id === el.dataset.component);
    const go = await confirmAction({
      title: `Set ${c?.name ?? "this component"} to “${STATUSES[el.value] ?? el.value}”?`,
      body: "The public status page shows it at once and subscribers are notified.",
      action: "Change and notify",
    });
    if (!go) {
      el.value = c?.status ?? el.value;
      return;
    }
    try {
      await ok(
        api.PATCH("/api/v1/status/components/{id}", {
          params: { path: { id: el.dataset.component } },
          body: { status: el.value as Affected["status"] },
        }),
      );
      if (c) c.status = el.value as Affected["status"];
      $("status-error").textContent = "";
    } catch (e) {
      $("status-error").textContent = problemText(e);
    }
  }
});
document.addEventListener("click", (ev) => {
  const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-chart]");
  if (btn) void showChart(btn.dataset.chart as string, btn.dataset.name ?? "");
});
$("composer").addEventListener("input", renderPreview);
$("composer").addEventListener("change", renderPreview);
$("composer").addEventListener("submit", publish);
$("page-settings").addEventListener("submit", saveDomain);
void loadPages();
