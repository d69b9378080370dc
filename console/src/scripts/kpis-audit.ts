// The quarterly relationship health audit: score the five pillars, see the trend and the priority.
import { type Answer, api, esc, ok, type Schemas } from "../lib/api";
import { list } from "../lib/list";
import { $, errorText, quarterSelect } from "./kpis-shared";

type Audit = Answer<"/api/v1/kpis/audits">["data"][number];
type Pillar = Schemas["PutPillarAudit"]["pillars"][number]["pillar"];
const PILLARS: Pillar[] = ["community", "personalisation", "value_exchange", "feedback_loops", "advocacy"];
const label = (p: string) => p.replace("_", " ").replace(/^./, (c) => c.toUpperCase());
const form = $<HTMLFormElement>("audit-form");
const quarterEl = $<HTMLSelectElement>("quarter");
let audits: Audit[] = [];

function fill() {
  const a = audits.find((x) => x.quarter === quarterEl.value);
  for (const p of PILLARS) {
    const row = a?.pillars.find((x) => x.pillar === p);
    for (const input of form.querySelectorAll<HTMLInputElement>(`input[name="${p}"]`)) {
      input.checked = row?.score === Number(input.value);
    }
    $<HTMLTextAreaElement>(`note-${p}`).value = row?.note ?? "";
  }
}

type Evidence = Answer<"/api/v1/kpis/audits/{quarter}/evidence">;
let evidenceFor = "";

/** Each pillar's KPIs and suggested score for the chosen quarter, beside its radio buttons. */
async function showEvidence() {
  const quarter = quarterEl.value;
  evidenceFor = quarter;
  let e: Evidence | null = null;
  try {
    e = await ok(api.GET("/api/v1/kpis/audits/{quarter}/evidence", { params: { path: { quarter } } }));
  } catch (err) {
    for (const p of PILLARS) $(`evidence-${p}`).textContent = `Evidence not loaded: ${errorText(err)}`;
    return;
  }
  if (evidenceFor !== quarter) return;
  for (const p of e.pillars) {
    const kpis = p.kpis
      .map(
        (k) => `${esc(k.name)}: ${k.value === null ? "no data" : esc(String(k.value))}${k.band ? ` (${k.band})` : ""}`,
      )
      .join("; ");
    $(`evidence-${p.pillar}`).innerHTML =
      `Suggested: <strong>${p.suggested === null ? "—" : `${p.suggested}/5`}</strong>${
        p.score === null ? "" : `, scored ${p.score}/5`
      } — ${kpis}`;
  }
}

const trend = list({
  body: $("audits"),
  empty: "No audits yet.",
  load: () => ok(api.GET("/api/v1/kpis/audits")),
  row: (a) =>
    `<tr><th scope="row">${esc(a.quarter)}</th>${PILLARS.map((p) => {
      const s = a.pillars.find((x) => x.pillar === p)?.score;
      return `<td${p === a.priority ? ' class="bad"' : ""}>${s ?? "—"}</td>`;
    }).join("")}<td>${a.average ?? "—"}</td><td>${a.priority ? esc(label(a.priority)) : "—"}</td></tr>`,
  onPage: (_page, all) => {
    audits = all;
    const latest = audits[0];
    $("priority").innerHTML = latest?.priority
      ? `Priority from the ${esc(latest.quarter)} audit: <strong data-testid="audit-priority">${esc(label(latest.priority))}</strong> (${
          latest.pillars.find((p) => p.pillar === latest.priority)?.score
        }/5).`
      : "Run the first audit to name a priority.";
    fill();
  },
});
const load = () => trend.reload();

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  try {
    await ok(
      api.PUT("/api/v1/kpis/audits/{quarter}", {
        params: { path: { quarter: quarterEl.value } },
        body: {
          pillars: PILLARS.map((p) => ({
            pillar: p,
            score: Number(data.get(p)),
            note: String(data.get(`note-${p}`) ?? "") || null,
          })),
        },
      }),
    );
    $("audit-result").textContent = "Saved.";
    await load();
    await showEvidence();
  } catch (e) {
    $("audit-result").textContent = `Not saved: ${errorText(e)}`;
  }
});
quarterEl.addEventListener("change", () => {
  fill();
  void showEvidence();
});
quarterSelect(quarterEl);
await Promise.all([load(), showEvidence()]);
