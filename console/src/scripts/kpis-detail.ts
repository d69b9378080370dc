// One KPI: its value, pacing and inputs this quarter, its weekly history and past quarters.
import { type Answer, api, esc, fmt, ok } from "../lib/api";
import { $, bulletChart, errorText, formatValue, lineChart, statusBadge } from "./kpis-shared";

type History = Answer<"/api/v1/kpis/{kpi}/history">;

const params = new URLSearchParams(location.search);
const id = params.get("kpi") ?? "nps";
const quarter = params.get("quarter");

async function load() {
  try {
    const [report, history] = await Promise.all([
      ok(api.GET("/api/v1/kpis", { params: { query: { quarter: quarter ?? undefined } } })),
      ok(
        api.GET("/api/v1/kpis/{kpi}/history", {
          params: { path: { kpi: id as History["kpi"] }, query: { quarters: 4 } },
        }),
      ),
    ]);
    const k = report.kpis.find((x) => x.kpi === id);
    if (!k) throw new Error("No such KPI");
    const v = (n: number | null | undefined) => esc(formatValue(n, k.unit, report.currency));
    document.title = `${k.name} · Rapport`;
    (document.querySelector("main h1") as HTMLElement).textContent = k.name;
    $<HTMLAnchorElement>("set-target").href = `targets/?kpi=${encodeURIComponent(k.kpi)}&quarter=${report.quarter}`;
    $("detail-status").textContent =
      `${report.quarter}, ${report.phase === "live" ? `as of ${fmt.dateTime(report.asOf)}` : report.phase}.`;
    $("now").innerHTML = `<p class="value" style="font-size:1.8rem;font-weight:700;margin:0">${v(k.value)}</p>
      <p>${statusBadge(k.pacing?.status)}${
        k.target
          ? ` Target ${v(k.target.target)} from ${v(k.target.startValue)} (${esc(k.direction)} is better)${
              k.pacing ? ` · expected today ${v(k.pacing.expected)} · forecast ${v(k.pacing.forecast)}` : ""
            }`
          : " No target this quarter."
      }</p>${bulletChart(k, report.currency)}`;
    const f = k.forecast;
    $("forecast").innerHTML = f
      ? `Forecast for the quarter's end: <strong>${v(f.value)}</strong>${
          f.low !== null && f.high !== null ? ` (80% interval ${v(f.low)} to ${v(f.high)})` : " (no interval yet)"
        }, from ${esc(f.days)} daily values by the ${esc(f.method)} method.`
      : "No forecast: the quarter has no value yet, or it is over.";
    $("limits").textContent = `${v(k.limits[0])} to ${k.limits[1] === null ? "no upper bound" : v(k.limits[1])}`;
    $("formula").textContent = k.formula;
    const inputs = Object.entries(k.inputs);
    $("inputs").innerHTML = inputs.length
      ? inputs
          .map(([name, value]) => `<tr><th scope="row">${esc(name)}</th><td>${esc(value ?? "—")}</td></tr>`)
          .join("")
      : `<tr><td colspan="2" class="muted">No inputs recorded.</td></tr>`;
    const weekLabel = (ms: number) => new Date(ms).toISOString().slice(5, 10);
    $("chart").innerHTML = lineChart(
      history.weeks.map((w) => ({ x: w.week, value: w.value, label: weekLabel(w.week) })),
      k.unit,
    );
    $("weeks").innerHTML = history.weeks
      .map((w) => `<tr><td>${esc(fmt.date(w.week))}</td><td>${esc(w.quarter)}</td><td>${v(w.value)}</td></tr>`)
      .join("");
    // The running quarter's row shows the live value, like the card above, not yesterday's snapshot.
    const live = (q: History["quarters"][number]) =>
      q.quarter === report.quarter && report.phase === "live" ? { ...q, value: k.value, pacing: k.pacing } : q;
    $("quarters").innerHTML = [...history.quarters]
      .map(live)
      .reverse()
      .map(
        (q) =>
          `<tr><th scope="row">${esc(q.quarter)}</th><td>${v(q.value)}</td><td>${q.target ? v(q.target.startValue) : "—"}</td><td>${
            q.target ? v(q.target.target) : "—"
          }</td><td>${statusBadge(q.pacing?.status)}</td></tr>`,
      )
      .join("");
    if (id === "feedback_implementation") await loadVoters(report.quarter);
  } catch (e) {
    $("detail-status").textContent = `Could not load this KPI: ${errorText(e)}`;
  }
}

/** The loop behind the ratio: voters of shipped ideas told, and how many came back. */
async function loadVoters(q: string) {
  const l = await ok(api.GET("/api/v1/kpis/feedback_implementation/voters", { params: { query: { quarter: q } } }));
  $("voters").hidden = false;
  $("voters-figures").innerHTML = `<tr><td>${l.ideas}</td><td>${l.voters}</td><td>${l.told}</td><td>${l.cameBack}</td>
    <td>${l.told ? esc(fmt.pct(l.cameBack / l.told, 0)) : "—"}</td></tr>`;
}
load();
