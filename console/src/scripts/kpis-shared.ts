// What the KPI pages share: types, formatting by unit, quarters, and the plain-SVG charts.
import { type Answer, esc } from "../lib/api";

export type Report = Answer<"/api/v1/kpis">;
export type Kpi = Report["kpis"][number];
export type Unit = Kpi["unit"];
export type Status = NonNullable<Kpi["pacing"]>["status"];
export type Target = Kpi["target"];
export type Pacing = Kpi["pacing"];

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export const STATUS_LABEL: Record<Status, string> = {
  on_track: "On track",
  at_risk: "At risk",
  off_track: "Off track",
  met: "Met",
  missed: "Missed",
  no_data: "No data",
};

export function statusBadge(status: Status | null | undefined, testId?: string): string {
  if (!status)
    return `<span class="status status-none"${testId ? ` data-testid="${esc(testId)}"` : ""}>No target</span>`;
  return `<span class="status status-${status}"${testId ? ` data-testid="${esc(testId)}"` : ""}>${STATUS_LABEL[status]}</span>`;
}

/** A KPI value for people: percentages for ratios, money for currency, "3.2×" for multiples. */
export function formatValue(value: number | null | undefined, unit: Unit, currency = "USD"): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  switch (unit) {
    case "ratio":
      return `${(value * 100).toFixed(1)}%`;
    case "currency":
      return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
    case "multiple":
      return `${value.toFixed(2)}×`;
    default:
      return value.toFixed(1).replace(/\.0$/, "");
  }
}

export function quarterOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

export function shiftQuarter(quarter: string, offset: number): string {
  const [y, q] = quarter.split("-Q").map(Number);
  const i = y * 4 + q - 1 + offset;
  return `${Math.floor(i / 4)}-Q${(i % 4) + 1}`;
}

/** Fills a quarter <select> with the next quarter, this one and the seven before; keeps `?quarter=`. */
export function quarterSelect(select: HTMLSelectElement): string {
  const now = quarterOf(Date.now());
  const wanted = new URLSearchParams(location.search).get("quarter");
  const options = Array.from({ length: 9 }, (_, i) => shiftQuarter(now, 1 - i));
  const chosen = wanted && /^\d{4}-Q[1-4]$/.test(wanted) ? wanted : now;
  if (!options.includes(chosen)) options.push(chosen);
  select.innerHTML = options
    .map(
      (q) =>
        `<option value="${q}"${q === chosen ? " selected" : ""}>${q}${q === now ? " (this quarter)" : ""}</option>`,
    )
    .join("");
  return chosen;
}

/** Where poor, fair and good meet on the KPI's scale: its own bands, or 80% / 100% of the target. */
export function bandEdges(k: Pick<Kpi, "bands" | "direction" | "target">): [number, number] | null {
  if (k.bands) return [k.bands[0], k.bands[1]];
  if (!k.target) return null;
  const t = k.target.target;
  return k.direction === "higher" ? [t * 0.8, t] : [t, t * 1.2];
}

/**
 * A bullet chart: grey bands (darkest = poor), a bar for the actual value and a line for the
 * target. Described by its <title> and <desc> for screen readers.
 */
export function bulletChart(k: Kpi, currency?: string): string {
  const edges = bandEdges(k);
  const values = [k.value, k.target?.target, k.target?.startValue, k.pacing?.expected, ...(edges ?? [])].filter(
    (v): v is number => typeof v === "number" && Number.isFinite(v),
  );
  if (!values.length) return `<p class="muted">No data yet for this quarter.</p>`;
  let min = Math.min(0, ...values);
  let max = Math.max(...values);
  const pad = (max - min || Math.abs(max) || 1) * 0.15;
  max += pad;
  if (min < 0) min -= pad;
  const W = 300;
  const x = (v: number) => ((Math.min(max, Math.max(min, v)) - min) / (max - min)) * W;
  const fmt = (v: number) => formatValue(v, k.unit, currency);
  const higher = k.direction === "higher";
  const bands = edges
    ? [
        [min, edges[0], higher ? "poor" : "good"],
        [edges[0], edges[1], "fair"],
        [edges[1], max, higher ? "good" : "poor"],
      ]
    : [[min, max, "fair"]];
  const rects = bands
    .map(
      ([a, b, cls]) =>
        `<rect class="band-${cls}" x="${x(a as number)}" y="0" width="${Math.max(0, x(b as number) - x(a as number))}" height="28"/>`,
    )
    .join("");
  const bar =
    k.value === null
      ? ""
      : `<rect class="actual" x="${x(Math.max(min, Math.min(0, k.value)))}" y="10" width="${Math.abs(x(k.value) - x(Math.max(min, 0)))}" height="8"/>`;
  const target = k.target
    ? `<line class="target" x1="${x(k.target.target)}" x2="${x(k.target.target)}" y1="3" y2="25"/>`
    : "";
  const expected =
    k.pacing && k.pacing.status !== "met" && k.pacing.status !== "missed"
      ? `<line class="expected" x1="${x(k.pacing.expected)}" x2="${x(k.pacing.expected)}" y1="7" y2="21"/>`
      : "";
  const desc = [
    `Actual ${k.value === null ? "no data" : fmt(k.value)}`,
    k.target ? `target ${fmt(k.target.target)}` : "no target",
    k.pacing && expected ? `expected by now ${fmt(k.pacing.expected)}` : "",
    edges
      ? higher
        ? `poor below ${fmt(edges[0])}, fair to ${fmt(edges[1])}, good above`
        : `good below ${fmt(edges[0])}, fair to ${fmt(edges[1])}, poor above`
      : "",
  ]
    .filter(Boolean)
    .join("; ");
  const id = `bullet-${esc(k.kpi)}`;
  return `<svg class="bullet" viewBox="0 0 ${W} 28" preserveAspectRatio="none" role="img" aria-labelledby="${id}-t ${id}-d">
    <title id="${id}-t">${esc(k.name)}: bullet chart</title><desc id="${id}-d">${esc(desc)}</desc>${rects}${bar}${expected}${target}</svg>`;
}

/** A sparkline of daily values; nulls break the line. */
export function sparkline(points: Array<{ day: number; value: number | null }>, label: string, unit: Unit): string {
  const known = points.filter((p): p is { day: number; value: number } => p.value !== null);
  if (known.length < 2) return "";
  const W = 300;
  const H = 40;
  const lo = Math.min(...known.map((p) => p.value));
  const hi = Math.max(...known.map((p) => p.value));
  const t0 = points[0].day;
  const t1 = points[points.length - 1].day;
  const px = (p: { day: number }) => ((p.day - t0) / (t1 - t0 || 1)) * W;
  const py = (v: number) => H - 3 - ((v - lo) / (hi - lo || 1)) * (H - 6);
  const d = points
    .map((p, i) =>
      p.value === null
        ? ""
        : `${i && points[i - 1].value !== null ? "L" : "M"}${px(p).toFixed(1)},${py(p.value).toFixed(1)}`,
    )
    .join("");
  const first = known[0];
  const last = known[known.length - 1];
  const text = `${label}: from ${formatValue(first.value, unit)} to ${formatValue(last.value, unit)} (${points.length} weekly points)`;
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(text)}"><path d="${d}"/></svg>`;
}

/** A line chart with a y-axis, for weekly history. */
export function lineChart(
  points: Array<{ x: number; value: number | null; label: string }>,
  unit: Unit,
  target?: number,
): string {
  const known = points.filter((p): p is { x: number; value: number; label: string } => p.value !== null);
  if (!known.length) return `<p class="muted">No history yet.</p>`;
  const W = 720;
  const H = 220;
  const L = 70;
  const B = 24;
  const vals = [...known.map((p) => p.value), ...(target === undefined ? [] : [target])];
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.1;
  lo -= pad;
  hi += pad;
  const px = (i: number) => L + (i / Math.max(1, points.length - 1)) * (W - L - 10);
  const py = (v: number) => 8 + (1 - (v - lo) / (hi - lo)) * (H - B - 16);
  const ticks = [lo, (lo + hi) / 2, hi]
    .map(
      (v) =>
        `<text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${esc(formatValue(v, unit))}</text><line class="grid" x1="${L}" x2="${W - 10}" y1="${py(v)}" y2="${py(v)}"/>`,
    )
    .join("");
  let path = "";
  points.forEach((p, i) => {
    if (p.value === null) return;
    path += `${i && points[i - 1].value !== null ? "L" : "M"}${px(i).toFixed(1)},${py(p.value).toFixed(1)}`;
  });
  const dots = points
    .map((p, i) =>
      p.value === null
        ? ""
        : `<circle cx="${px(i)}" cy="${py(p.value)}" r="2.5"><title>${esc(p.label)}: ${esc(formatValue(p.value, unit))}</title></circle>`,
    )
    .join("");
  const labels = points
    .map((p, i) =>
      i % Math.ceil(points.length / 8) === 0
        ? `<text x="${px(i)}" y="${H - 6}" text-anchor="middle">${esc(p.label)}</text>`
        : "",
    )
    .join("");
  const targetLine =
    target === undefined ? "" : `<line class="target" x1="${L}" x2="${W - 10}" y1="${py(target)}" y2="${py(target)}"/>`;
  return `<svg class="line-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Weekly values; the table below lists them">${ticks}${targetLine}<path d="${path}"/>${dots}${labels}</svg>`;
}

export { problemText as errorText } from "../lib/api";
