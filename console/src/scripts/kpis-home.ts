// The console home: this quarter's KPIs as bullet charts with pacing, forecast and a sparkline.
import { api, esc, fmt, ok } from "../lib/api";
import { list } from "../lib/list";
import {
  $,
  bulletChart,
  errorText,
  formatValue,
  type Kpi,
  quarterSelect,
  type Report,
  STATUS_LABEL,
  sparkline,
  statusBadge,
} from "./kpis-shared";

const select = $<HTMLSelectElement>("quarter");

function card(k: Kpi, r: Report): string {
  const v = (n: number | null | undefined) => esc(formatValue(n, k.unit, r.currency));
  const facts = k.target
    ? [
        `Target ${v(k.target.target)} (from ${v(k.target.startValue)}, ${k.direction} is better)`,
        k.pacing && r.phase === "live" ? `Expected today ${v(k.pacing.expected)}` : "",
        k.pacing?.forecast !== null && k.pacing?.forecast !== undefined && r.phase === "live"
          ? `Forecast ${v(k.pacing.forecast)} by quarter end`
          : "",
        k.target.ownerEmail ? `Owner ${esc(k.target.ownerEmail)}` : "",
      ]
        .filter(Boolean)
        .join(" · ")
    : "No target this quarter";
  const points = [...k.sparkline, ...(r.phase === "live" ? [{ day: r.asOf, value: k.value }] : [])];
  return `<li class="card kpi" data-testid="kpi-${esc(k.kpi)}">
    <h2><a href="kpis/?kpi=${encodeURIComponent(k.kpi)}&amp;quarter=${encodeURIComponent(r.quarter)}">${esc(k.name)}</a></h2>
    <p class="value">${v(k.value)}</p>
    <p>${statusBadge(k.pacing?.status, `status-${k.kpi}`)}</p>
    ${bulletChart(k, r.currency)}
    <p class="facts muted">${facts}</p>
    ${sparkline(points, `${k.name} this quarter`, k.unit)}
  </li>`;
}

async function load(quarter: string) {
  $("summary").textContent = "Loading…";
  try {
    const r = await ok(api.GET("/api/v1/kpis", { params: { query: { quarter } } }));
    $("kpis").innerHTML = r.kpis.map((k) => card(k, r)).join("");
    kpis = r.kpis;
    void alerts.reload();
    const counts = new Map<string, number>();
    for (const k of r.kpis) if (k.pacing) counts.set(k.pacing.status, (counts.get(k.pacing.status) ?? 0) + 1);
    const parts = [...counts].map(([s, n]) => `${n} ${STATUS_LABEL[s as keyof typeof STATUS_LABEL].toLowerCase()}`);
    const when =
      r.phase === "live"
        ? `quarter to date, as of ${fmt.dateTime(r.asOf)}`
        : r.phase === "final"
          ? "final values"
          : "not started";
    $("summary").textContent =
      `${r.quarter}, ${when}. ${parts.length ? `Targets: ${parts.join(", ")}.` : "No targets set."}`;
  } catch (e) {
    $("summary").textContent = `Could not load the KPIs: ${errorText(e)}`;
  }
}

let kpis: Kpi[] = [];
const name = (id: string) => kpis.find((k) => k.kpi === id)?.name ?? id;
const alerts = list({
  body: $("alerts"),
  empty: "No KPI has slipped from on track to at risk.",
  load: (cursor) =>
    ok(api.GET("/api/v1/kpis/alerts", { params: { query: { limit: 5, cursor: cursor ?? undefined } } })),
  row: (a) =>
    `<tr><td>${esc(fmt.date(a.day))}</td><td>${esc(name(a.kpi))}</td><td>${esc(a.quarter)}</td><td>${
      a.recipient ? `${esc(a.recipient)} was emailed` : "its owner has no email address"
    }</td></tr>`,
});

select.addEventListener("change", () => {
  history.replaceState(null, "", `?quarter=${select.value}`);
  load(select.value);
});
$("print").addEventListener("click", () => window.print());
load(quarterSelect(select));
