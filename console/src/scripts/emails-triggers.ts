import { ApiError, api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { clearFieldErrors, showFieldErrors } from "./emails-form";

type Trigger = Schemas["Trigger"];
type Entry = Schemas["TriggerEntry"];
type Delay = Schemas["TriggerDelay"];
type Filter = NonNullable<Schemas["TriggerInput"]["filters"]>[number];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const form = $("editor") as HTMLFormElement;

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
    case "churn_risk":
      return `churn risk (inactive ${e.minInactiveDays ?? 3} d)`;
  }
}

const rate = (n = 0, of = 0) => (of ? ` <span class="muted">${fmt.pct(n / of, 0)}</span>` : "");

const triggers = list({
  body: $("triggers"),
  empty: "No triggers yet: create one below.",
  load: (cursor) =>
    ok(api.GET("/api/v1/emails/triggers", { params: { query: { limit: 100, cursor: cursor ?? undefined } } })),
  row: (t) => {
    const m = t.metrics;
    const n = (v: number | undefined) => fmt.int(v ?? 0);
    return `<tr><td>${esc(t.name)}${t.enabled ? "" : ' <span class="muted">(paused)</span>'}</td>
      <td>${esc(describe(t.rule.entry))}</td><td>${esc(t.topic)}</td><td>${n(m?.entered)}</td>
      <td>${n(m?.skipped.belowConfidence)} / ${n(m?.skipped.noConsent)}</td><td>${n(m?.skipped.capped)}</td>
      <td>${n(m?.sent)}</td><td>${n(m?.opened)}${rate(m?.opened, m?.sent)}</td>
      <td>${n(m?.clicked)}${rate(m?.clicked, m?.sent)}</td><td>${n(m?.unsubscribed)}</td>
      <td>${n(m?.converted)}${rate(m?.converted, m?.sent)}</td>
      <td><button class="secondary" data-edit="${esc(t.id)}" aria-label="Edit ${esc(t.name)}">Edit</button>
      <button class="secondary" data-toggle="${esc(t.id)}" aria-label="${t.enabled ? "Pause" : "Resume"} ${esc(t.name)}">${t.enabled ? "Pause" : "Resume"}</button></td></tr>`;
  },
});

/** Every template, page by page, for the editor's choice. */
async function loadTemplates() {
  const all: Schemas["Template"][] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(api.GET("/api/v1/emails/templates", { params: { query: { limit: 200, cursor } } }));
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  ($("t-template") as HTMLSelectElement).innerHTML = all
    .map((t) => `<option value="${esc(t.id)}">${esc(t.name)}</option>`)
    .join("");
  $("t-template-none").hidden = all.length > 0;
}

const val = (name: string) => String(new FormData(form).get(name) ?? "").trim();
/** A number field: left out when empty, so the API says what it needs instead of reading 0. */
const num = (name: string) => (val(name) === "" ? undefined : Number(val(name)));
const scalar = (v: string): string | number | boolean =>
  v === "true" ? true : v === "false" ? false : v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;

/** Shows only the fields of the chosen entry kind and delay. */
function showFields() {
  for (const [attr, chosen] of [
    ["kinds", val("kind")],
    ["delays", val("delay")],
  ]) {
    for (const el of form.querySelectorAll<HTMLElement>(`[data-${attr}]`)) {
      el.hidden = !(el.dataset[attr] ?? "").split(" ").includes(chosen);
    }
  }
}

/** The rule the form describes; what is missing is left out for the API to name. */
function rule(): { entry: Entry; filters: Filter[]; delay: Delay; exit: { event: string } | null } {
  const kind = val("kind");
  const event = val("event") || undefined;
  const entry = (
    kind === "absence"
      ? { kind, event, days: num("days") }
      : kind === "count_reached"
        ? { kind, event, count: num("count") }
        : kind === "churn_risk"
          ? { kind, minInactiveDays: num("minInactiveDays") }
          : kind === "trait_threshold"
            ? {
                kind,
                trait: val("trait") || undefined,
                op: val("op"),
                value: val("value") ? scalar(val("value")) : undefined,
              }
            : { kind, event }
  ) as Entry;
  const filters: Filter[] = val("fTrait")
    ? [{ trait: val("fTrait"), op: val("fOp") as Filter["op"], value: scalar(val("fValue")) }]
    : [];
  const d = val("delay");
  const [hour, minute] = val("delayTime") ? val("delayTime").split(":").map(Number) : [];
  const delay = (
    d === "hours"
      ? { kind: d, hours: num("delayHours") }
      : d === "local_time"
        ? { kind: d, hour, minute }
        : { kind: "none" }
  ) as Delay;
  return { entry, filters, delay, exit: val("exit") ? { event: val("exit") } : null };
}

/** An API error's path (`entry.days`, `filters.0.value`) -> the editor's field. */
const FIELDS: Record<string, string> = {
  entry: "kind",
  "entry.kind": "kind",
  "entry.event": "event",
  "entry.count": "count",
  "entry.days": "days",
  "entry.trait": "trait",
  "entry.op": "op",
  "entry.value": "value",
  "entry.minInactiveDays": "minInactiveDays",
  "filters.0.trait": "fTrait",
  "filters.0.op": "fOp",
  "filters.0.value": "fValue",
  "delay.kind": "delay",
  "delay.hours": "delayHours",
  "delay.hour": "delayTime",
  "delay.minute": "delayTime",
  "exit.event": "exit",
};
const fieldOf = (path: string) => FIELDS[path] ?? path;

const matching = async (entry: Entry, filters: Filter[]) =>
  (await ok(api.POST("/api/v1/emails/triggers/match-count", { body: { entry, filters } }))).matching;

let timer: number | undefined;
function liveCount() {
  clearTimeout(timer);
  timer = window.setTimeout(async () => {
    const { entry, filters } = rule();
    // Ask only once the entry names what it counts; an empty form is not an error.
    if (("event" in entry && entry.kind !== "absence" && !entry.event) || ("trait" in entry && !entry.trait)) {
      $("match").textContent = "Name an event or trait to see how many contacts match.";
      return;
    }
    try {
      $("match").textContent = `${fmt.int(await matching(entry, filters))} contacts match now`;
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
  const f = t.rule.filters?.[0];
  const delay = t.rule.delay ?? { kind: "none" };
  set("id", t.id);
  set("name", t.name);
  set("templateId", t.templateId);
  set("topic", t.topic);
  set("minConfidence", t.minConfidence);
  set("kind", e.kind);
  set("event", "event" in e ? e.event : "");
  set("count", "count" in e ? e.count : "");
  set("days", "days" in e ? e.days : "");
  set("minInactiveDays", "minInactiveDays" in e ? e.minInactiveDays : 3);
  set("trait", "trait" in e ? e.trait : "");
  set("op", "op" in e ? e.op : "gte");
  set("value", "value" in e ? e.value : "");
  set("fTrait", f?.trait);
  set("fOp", f?.op ?? "eq");
  set("fValue", f?.value);
  set("delay", delay.kind);
  set("delayHours", delay.kind === "hours" ? delay.hours : "");
  set(
    "delayTime",
    delay.kind === "local_time"
      ? `${String(delay.hour).padStart(2, "0")}:${String(delay.minute ?? 0).padStart(2, "0")}`
      : "",
  );
  set("exit", t.rule.exit?.event);
  clearFieldErrors(form);
  showFields();
  form.scrollIntoView();
  liveCount();
}

form.addEventListener("input", liveCount);
form.addEventListener("change", showFields);
form.addEventListener("reset", () =>
  setTimeout(() => {
    clearFieldErrors(form);
    showFields();
    liveCount();
  }),
);
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  $("editor-result").textContent = "";
  const id = val("id");
  const r = rule();
  const body = {
    name: val("name"),
    templateId: val("templateId"),
    topic: val("topic") as Trigger["topic"],
    minConfidence: num("minConfidence"),
    ...r,
  } as Schemas["TriggerInput"];
  try {
    // A new trigger is enabled at once: from the next minute it emails everyone its rule matches.
    // Its entry is checked (and counted) before asking, so a refusal shows before the question.
    if (!id) {
      const count = await matching(r.entry, r.filters);
      const go = await confirmAction({
        title: `Start “${body.name}”?`,
        body: `${fmt.int(count)} contacts match now. Contacts its rule matches are emailed from the next minute on.`,
        action: "Save and send",
      });
      if (!go) return;
    }
    if (id) await ok(api.PATCH("/api/v1/emails/triggers/{id}", { params: { path: { id } }, body }));
    else await ok(api.POST("/api/v1/emails/triggers", { body: { ...body, exit: r.exit ?? undefined } }));
    form.reset();
    $("editor-result").textContent = "Saved.";
    await triggers.reload();
  } catch (err) {
    $("editor-result").textContent = showFieldErrors(form, err, fieldOf);
  }
});

$("triggers").addEventListener("click", async (e) => {
  const b = (e.target as HTMLElement).closest("button");
  const t = triggers.items().find((x) => x.id === (b?.dataset.edit ?? b?.dataset.toggle));
  if (!b || !t) return;
  if (b.dataset.edit) return edit(t);
  // Resuming starts sending to everyone the rule matches from now on.
  if (
    t.enabled ||
    (await confirmAction({
      title: `Resume “${t.name}”?`,
      body: "Contacts who match its rule from now on will be emailed.",
      action: "Resume and send",
    }))
  ) {
    try {
      await ok(
        api.PATCH("/api/v1/emails/triggers/{id}", { params: { path: { id: t.id } }, body: { enabled: !t.enabled } }),
      );
      await triggers.reload();
    } catch (err) {
      $("editor-result").textContent = problemText(err);
    }
  }
});

showFields();
await Promise.all([triggers.reload(), loadTemplates()]);
liveCount();
