import { ApiError, api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";

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

async function loadTemplates() {
  const { data } = await ok(api.GET("/api/v1/emails/templates", { params: { query: { limit: 200 } } }));
  ($("t-template") as HTMLSelectElement).innerHTML = data
    .map((t) => `<option value="${esc(t.id)}">${esc(t.name)}</option>`)
    .join("");
}

const val = (name: string) => String(new FormData(form).get(name) ?? "").trim();
const num = (name: string) => Number(val(name));
const scalar = (v: string): string | number | boolean =>
  v === "true" ? true : v === "false" ? false : v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;

/** The rule the form describes (the API validates it; its errors are shown as they come). */
function rule(): { entry: Entry; filters: Filter[]; delay: Delay; exit: { event: string } | null } {
  const kind = val("kind");
  const event = val("event");
  const n = num("number");
  const entry: Entry =
    kind === "absence"
      ? { kind, event: event || undefined, days: n }
      : kind === "count_reached"
        ? { kind, event, count: n }
        : kind === "churn_risk"
          ? { kind, minInactiveDays: n || 3 }
          : kind === "trait_threshold"
            ? { kind, trait: val("trait"), op: "gte", value: scalar(val("value")) }
            : { kind: kind === "first_event" ? "first_event" : "event", event };
  const filters: Filter[] = val("fTrait")
    ? [{ trait: val("fTrait"), op: val("fOp") as Filter["op"], value: scalar(val("fValue")) }]
    : [];
  const d = val("delay");
  const dv = val("delayValue");
  const [hh, mm] = dv.split(":").map(Number);
  const delay: Delay =
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
    // Ask only once the entry names what it counts; an empty form is not an error.
    if (("event" in entry && entry.kind !== "absence" && !entry.event) || ("trait" in entry && !entry.trait)) {
      $("match").textContent = "Name an event or trait to see how many contacts match.";
      return;
    }
    try {
      const { matching } = await ok(api.POST("/api/v1/emails/triggers/match-count", { body: { entry, filters } }));
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
  const f = t.rule.filters?.[0];
  const delay = t.rule.delay ?? { kind: "none" };
  set("id", t.id);
  set("name", t.name);
  set("templateId", t.templateId);
  set("topic", t.topic);
  set("minConfidence", t.minConfidence);
  set("kind", e.kind);
  set("event", "event" in e ? e.event : "");
  set("number", "days" in e ? e.days : "count" in e ? e.count : "minInactiveDays" in e ? e.minInactiveDays : "");
  set("trait", "trait" in e ? e.trait : "");
  set("value", "value" in e ? e.value : "");
  set("fTrait", f?.trait);
  set("fOp", f?.op ?? "eq");
  set("fValue", f?.value);
  set("delay", delay.kind);
  set(
    "delayValue",
    delay.kind === "hours"
      ? delay.hours
      : delay.kind === "local_time"
        ? `${String(delay.hour).padStart(2, "0")}:${String(delay.minute ?? 0).padStart(2, "0")}`
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
    topic: val("topic") as Trigger["topic"],
    minConfidence: num("minConfidence"),
    ...r,
  };
  // A new trigger is enabled at once: from the next minute it emails everyone its rule matches.
  if (
    !id &&
    !(await confirmAction({
      title: `Start “${body.name}”?`,
      body: `${$("match").textContent?.endsWith("match now") ? `${$("match").textContent}. ` : ""}Contacts its rule matches are emailed from the next minute on.`,
      action: "Save and send",
    }))
  )
    return;
  try {
    if (id) await ok(api.PATCH("/api/v1/emails/triggers/{id}", { params: { path: { id } }, body }));
    else await ok(api.POST("/api/v1/emails/triggers", { body: { ...body, exit: r.exit ?? undefined } }));
    $("editor-result").textContent = "Saved.";
    form.reset();
    await triggers.reload();
  } catch (err) {
    $("editor-result").textContent = `Not saved: ${problemText(err)}`;
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

await Promise.all([triggers.reload(), loadTemplates()]);
liveCount();
