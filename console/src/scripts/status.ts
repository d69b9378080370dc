import { STATUS_LABEL as STATUSES, UPDATE_LABEL } from "../../../worker/status/labels.ts";
import { type Answer, api, esc, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { $, audienceSentence, choosePage, formFields, type StatusPage, saved, showErrors } from "./status-shared";

type Component = Answer<"/api/v1/status/pages/{pageId}/components">["data"][number];
type Group = Answer<"/api/v1/status/pages/{pageId}/groups">["data"][number];
type Incident = Answer<"/api/v1/status/pages/{pageId}/incidents">["data"][number];
type Affected = NonNullable<Schemas["CreateIncident"]["components"]>[number];

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

function show(page: StatusPage, all: StatusPage[]) {
  pages = all;
  pageId = page.id;
  $<HTMLInputElement>("page-name").value = page.name;
  $<HTMLTextAreaElement>("page-description").value = page.description ?? "";
  $<HTMLInputElement>("page-domain").value = page.domain ?? "";
  $<HTMLInputElement>("page-pauses-marketing").checked = page.pausesMarketing;
  $("domain-result").textContent = "";
  showDomainSetup(page.domain);
  void loadPage();
}

async function loadPages(selectId?: string) {
  const all = await choosePage(show, selectId);
  const some = all.length > 0;
  $<HTMLDetailsElement>("create-details").open = !some;
  for (const id of ["settings-section", "board-section", "composer-section"]) $(id).hidden = !some;
}

async function createPage(ev: SubmitEvent) {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const f = formFields(form);
  try {
    const page = await ok(
      api.POST("/api/v1/status/pages", {
        body: { name: f.name ?? "", slug: f.slug ?? "", description: f.description, domain: f.domain ?? null },
      }),
    );
    saved(form, $("create-result"), `Created ${page.name}: public at /status/${page.slug}.`);
    form.reset();
    await loadPages(page.id);
  } catch (e) {
    showErrors(form, $("create-result"), e);
  }
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

async function saveSettings(ev: SubmitEvent) {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const f = formFields(form);
  const result = $("domain-result");
  try {
    const page = await ok(
      api.PATCH("/api/v1/status/pages/{pageId}", {
        params: { path: { pageId } },
        body: {
          name: f.name ?? "",
          description: f.description ?? "",
          domain: f.domain ?? null,
          pausesMarketing: $<HTMLInputElement>("page-pauses-marketing").checked,
        },
      }),
    );
    pages = pages.map((p) => (p.id === page.id ? page : p));
    const option = $<HTMLSelectElement>("page-select").selectedOptions[0];
    if (option) option.textContent = page.name;
    saved(form, result, page.domain ? `Saved: served at ${page.domain} once it is routed.` : "Saved: no own domain.");
    showDomainSetup(page.domain);
  } catch (e) {
    showErrors(form, result, e);
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
  $("board").innerHTML = components.length
    ? sections.join("")
    : '<p class="muted">No components yet: add them on <a href="/console/status/components/">Components</a>.</p>';
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

/** The components an update tells about: those the incident names and those it names now. */
function toldAbout(v: ReturnType<typeof formValues>) {
  const linked = v.target ? (open.find((i) => i.id === v.target)?.components ?? []).map((c) => c.id) : [];
  return [...new Set([...linked, ...v.affected.map((a) => a.id)])];
}

async function publish(ev: SubmitEvent) {
  ev.preventDefault();
  const form = $<HTMLFormElement>("composer");
  const v = formValues();
  const result = $("c-result");
  try {
    const who = await audienceSentence(pageId, toldAbout(v));
    const go = await confirmAction({
      title: v.target ? "Publish this update?" : "Publish this incident?",
      body: `It appears on the public status page at once. ${who ?? "No subscriber is notified."}`,
      action: who ? "Publish and notify" : "Publish",
    });
    if (!go) return;
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
    saved(form, result, "Published.");
    form.reset();
    await loadPage();
  } catch (e) {
    showErrors(form, result, e);
  }
}

/** A status chosen on the board: asked first when subscribers would hear of it. */
async function changeStatus(el: HTMLSelectElement) {
  const id = el.dataset.component as string;
  const c = components.find((x) => x.id === id);
  const to = el.value as Affected["status"];
  try {
    const who = await audienceSentence(pageId, [id]);
    const go =
      !who ||
      (await confirmAction({
        title: `Set ${c?.name ?? "this component"} to “${STATUSES[to] ?? to}”?`,
        body: `The public status page shows it at once. ${who}`,
        action: "Change and notify",
      }));
    if (!go) {
      el.value = c?.status ?? el.value;
      return;
    }
    await ok(api.PATCH("/api/v1/status/components/{id}", { params: { path: { id } }, body: { status: to } }));
    if (c) c.status = to;
    $("status-error").textContent = "";
    $("board-result").textContent = `${c?.name ?? "Component"}: ${STATUSES[to] ?? to}.`;
  } catch (e) {
    el.value = c?.status ?? el.value;
    $("status-error").textContent = problemText(e);
  }
}

document.addEventListener("change", (ev) => {
  const el = ev.target as HTMLElement;
  if (el instanceof HTMLSelectElement && el.dataset.component) void changeStatus(el);
});
$("composer").addEventListener("input", renderPreview);
$("composer").addEventListener("change", renderPreview);
$("composer").addEventListener("submit", publish);
$("page-settings").addEventListener("submit", saveSettings);
$("create-page").addEventListener("submit", createPage);
void loadPages();
