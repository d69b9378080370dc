import { ApiError, api, esc, fmt } from "../lib/api";

type Metrics = {
  entered: number;
  skipped: { belowConfidence: number; noConsent: number; capped: number; other: number };
  sent: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  converted: number;
};
type Entry = {
  kind: string;
  event?: string;
  days?: number;
  count?: number;
  lookbackHours?: number;
  minInactiveDays?: number;
  trait?: string;
  op?: string;
  value?: unknown;
};
type Rule = {
  entry: Entry;
  filters: Array<{ trait: string; op: string; value?: unknown }>;
  delay: { kind: string; hours?: number; hour?: number; minute?: number };
  exit?: { event: string };
};
type Trigger = Rule & {
  id: string;
  name: string;
  enabled: boolean;
  templateId: string;
  topic: string;
  minConfidence: number;
  rule: Rule;
  metrics: Metrics;
};

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const form = $("editor") as HTMLFormElement;
let triggers: Trigger[] = [];

function describe(e: Entry): string {
  switch (e.kind) {
    case "event":
      return `${e.event} happens`;
    case "first_event":
      return `first ${e.event}`;
    case "count_reached":
      return `${e.event} × ${e.count}`;
    case "absence":
      return `no ${e.event ?? "activity"} for ${e.days} d`;
    case "trait_threshold":
      return `${e.trait} ${e.op} ${e.value}`;
    default:
      return `churn risk (inactive ${e.minInactiveDays} d)`;
  }
}

const rate = (n: number, of: number) => (of ? ` <span class="muted">${fmt.pct(n / of, 0)}</span>` : "");

async function load() {
  const { data } = await api<{ data: Trigger[] }>("/emails/triggers?limit=100");
  triggers = data;
  $("triggers").innerHTML = data.length
    ? data
        .map((t) => {
          const m = t.metrics;
          return `<tr><td>${esc(t.name)}${t.enabled ? "" : ' <span class="muted">(paused)</span>'}</td>
          <td>${esc(describe(t.rule.entry))}</td><td>${esc(t.topic)}</td><td>${fmt.int(m.entered)}</td>
          <td>${fmt.int(m.skipped.belowConfidence)} / ${fmt.int(m.skipped.noConsent)}</td><td>${fmt.int(m.skipped.capped)}</td>
          <td>${fmt.int(m.sent)}</td><td>${fmt.int(m.opened)}${rate(m.opened, m.sent)}</td>
          <td>${fmt.int(m.clicked)}${rate(m.clicked, m.sent)}</td><td>${fmt.int(m.unsubscribed)}</td>
          <td>${fmt.int(m.converted)}${rate(m.converted, m.sent)}</td>
          <td><button class="secondary" data-edit="${esc(t.id)}" aria-label="Edit ${esc(t.name)}">Edit</button>
          <button class="secondary" data-toggle="${esc(t.id)}">${t.enabled ? "Pause" : "Resume"}</button></td></tr>`;
        })
        .join("")
    : '<tr><td colspan="12" class="muted">No triggers yet: create one below.</td></tr>';
}

async function loadTemplates() {
  const { data } = await api<{ data: Array<{ id: string; name: string }> }>("/emails/templates?limit=200");
  ($("t-template") as HTMLSelectElement).innerHTML = data
    .map((t) => `<option value="${esc(t.id)}">${esc(t.name)}</option>`)
    .join("");
}

const val = (name: string) => String(new FormData(form).get(name) ?? "").trim();
const num = (name: string) => Number(val(name));
const scalar = (v: string): string | number | boolean =>
  v === "true" ? true : v === "false" ? false : v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;

/** The rule the form describes (the API validates it; its errors are shown as they come). */
function rule(): Pick<Rule, "entry" | "filters"> & { delay: Rule["delay"]; exit?: { event: string } | null } {
  const kind = val("kind");
  const event = val("event") || undefined;
  const n = num("number");
  const entry: Entry =
    kind === "absence"
      ? { kind, event, days: n }
      : kind === "count_reached"
        ? { kind, event, count: n }
        : kind === "churn_risk"
          ? { kind, minInactiveDays: n || 3 }
          : kind === "trait_threshold"
            ? { kind, trait: val("trait"), op: "gte", value: scalar(val("value")) }
            : { kind, event };
  const filters = val("fTrait") ? [{ trait: val("fTrait"), op: val("fOp"), value: scalar(val("fValue")) }] : [];
  const d = val("delay");
  const dv = val("delayValue");
  const [hh, mm] = dv.split(":").map(Number);
  const delay =
    d === "hours"
      ? { kind: d, hours: Number(dv) || 0 }
      : d === "local_time"
        ? { kind: d, hour: hh || 0, minute: mm || 0 }
        : { kind: "none" };
  return { entry, filters, delay, exit: val("exit") ? { event: val("exit") } : null };
}

let timer: number | undefined;
function liveCount() {
  clearTimeout(timer);
  timer = window.setTimeout(async () => {
    const { entry, filters } = rule();
    try {
      const { matching } = await api<{ matching: number }>("/emails/triggers/match-count", {
        method: "POST",
        json: { entry, filters },
      });
      $("match").textContent = `${fmt.int(matching)} contacts match now`;
    } catch (e) {
      $("match").textContent =
        e instanceof ApiError ? `Not complete yet: ${e.problem.errors?.[0]?.message ?? e.message}` : "";
    }
  }, 250);
}

function edit(t: Trigger) {
  const set = (name: string, v: unknown) => {
    const el = form.elements.namedItem(name) as HTMLInputElement | null;
    if (el) el.value = v === undefined || v === null ? "" : String(v);
  };
  const e = t.rule.entry;
  set("id", t.id);
  set("name", t.name);
  set("templateId", t.templateId);
  set("topic", t.topic);
  set("minConfidence", t.minConfidence);
  set("kind", e.kind);
  set("event", e.event);
  set("number", e.days ?? e.count ?? e.minInactiveDays ?? "");
  set("trait", e.trait);
  set("value", e.value);
  const f = t.rule.filters[0];
  set("fTrait", f?.trait);
  set("fOp", f?.op ?? "eq");
  set("fValue", f?.value);
  set("delay", t.rule.delay.kind);
  set(
    "delayValue",
    t.rule.delay.kind === "hours"
      ? t.rule.delay.hours
      : t.rule.delay.kind === "local_time"
        ? `${String(t.rule.delay.hour).padStart(2, "0")}:${String(t.rule.delay.minute ?? 0).padStart(2, "0")}`
        : "",
  );
  set("exit", t.rule.exit?.event);
  form.scrollIntoView();
  liveCount();
}

form.addEventListener("input", liveCount);
form.addEventListener("reset", () => setTimeout(liveCount));
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = val("id");
  const r = rule();
  const body = {
    name: val("name"),
    templateId: val("templateId"),
    topic: val("topic"),
    minConfidence: num("minConfidence"),
    ...r,
  };
  try {
    if (id) await api(`/emails/triggers/${id}`, { method: "PATCH", json: body });
    else await api("/emails/triggers", { method: "POST", json: { ...body, exit: r.exit ?? undefined } });
    $("editor-result").textContent = "Saved.";
    form.reset();
    await load();
  } catch (err) {
    const p = err instanceof ApiError ? err.problem : null;
    $("editor-result").textContent = p
      ? `${p.detail ?? p.title}${p.errors?.length ? `: ${p.errors.map((x) => `${x.path} ${x.message}`).join("; ")}` : ""}`
      : "Could not save";
  }
});

$("triggers").addEventListener("click", async (e) => {
  const b = (e.target as HTMLElement).closest("button");
  if (!b) return;
  const t = triggers.find((x) => x.id === (b.dataset.edit ?? b.dataset.toggle));
  if (!t) return;
  if (b.dataset.edit) edit(t);
  else {
    await api(`/emails/triggers/${t.id}`, { method: "PATCH", json: { enabled: !t.enabled } });
    await load();
  }
});

await Promise.all([load(), loadTemplates()]);
liveCount();
