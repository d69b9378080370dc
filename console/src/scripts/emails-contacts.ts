import { api, esc, fmt, ok, problemText } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let current: string | null = null;
let before: number | null = null;
let q = "";

const contacts = list({
  body: $("contacts"),
  empty: "No contact matches.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/contacts", { params: { query: { limit: 50, q: q || undefined, cursor: cursor ?? undefined } } }),
    ),
  row: (c) => `<tr><td>${esc(c.email ?? "")}</td><td>${esc(c.externalId)}</td><td>${esc(c.name ?? "")}</td>
      <td>${esc(c.timezone ?? "")}</td>
      <td><button class="secondary" data-open="${esc(c.id)}" aria-label="Open ${esc(c.email ?? c.externalId)}">Open</button></td></tr>`,
});

async function timeline(append: boolean) {
  if (!current) return;
  const page = await ok(
    api.GET("/api/v1/contacts/{id}/timeline", {
      params: { path: { id: current }, query: { limit: 50, before: append && before ? before : undefined } },
    }),
  );
  before = page.nextBefore;
  $("timeline-more").hidden = !before;
  const items = page.data
    .map((i) =>
      i.kind === "event"
        ? `<li><time>${esc(fmt.dateTime(i.at))}</time> event <strong>${esc(i.event)}</strong> <code>${esc(JSON.stringify(i.properties)).slice(0, 200)}</code></li>`
        : i.kind === "activity"
          ? // Days past the raw events' window: one line per day, from the rollup.
            `<li><time>${esc(i.day)}</time> activity <span class="muted">${i.events} event${i.events === 1 ? "" : "s"} that day</span></li>`
          : `<li><time>${esc(fmt.dateTime(i.at))}</time> email “${esc(i.subject ?? "")}” <span class="muted">${esc(i.topic)}, ${esc(i.state)}</span></li>`,
    )
    .join("");
  $("timeline").innerHTML = (append ? $("timeline").innerHTML : "") + (items || '<li class="muted">Nothing yet.</li>');
}

async function open(id: string) {
  current = id;
  $("erased").hidden = true;
  $("contact-result").textContent = "";
  const d = await ok(api.GET("/api/v1/contacts/{id}", { params: { path: { id } } }));
  $("contact").hidden = false;
  const meta: Array<[string, unknown]> = [
    ["Email", d.contact.email],
    ["User id", d.contact.externalId],
    ["Timezone", d.contact.timezone ?? "default"],
    ["Traits", JSON.stringify(d.contact.traits)],
    [
      "Consent",
      Object.entries(d.consent)
        .map(([k, v]) => `${k}: ${v ? "yes" : "no"}`)
        .join(", "),
    ],
    ["Suppressed", d.suppressed ?? (d.unsubscribedAt ? "unsubscribed from all" : "no")],
    ["Events", `${fmt.int(d.eventCount)}, last ${d.lastEventAt ? fmt.dateTime(d.lastEventAt) : "never"}`],
    ["Churn risk", fmt.pct(d.churnRisk, 0)],
  ];
  $("contact-meta").innerHTML = meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v ?? "")}</dd>`).join("");
  await timeline(false);
  $("contact").scrollIntoView();
}

$("search").addEventListener("submit", (e) => {
  e.preventDefault();
  q = ($("q") as HTMLInputElement).value.trim();
  void contacts.reload();
});
$("contacts").addEventListener("click", (e) => {
  const id = (e.target as HTMLElement).closest("button")?.dataset.open;
  if (id) void open(id);
});
$("timeline-more").addEventListener("click", () => timeline(true));

// GDPR: the export (one JSON document, a section per capability) downloads; the erase asks first,
// then shows what it did in each capability.
$("contact-export").addEventListener("click", async () => {
  if (!current) return;
  try {
    const doc = await ok(api.GET("/api/v1/contacts/{id}/export", { params: { path: { id: current } } }));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
    a.download = `contact-${current}.json`;
    a.click();
    URL.revokeObjectURL(a.href);
    $("contact-result").textContent = "Exported.";
  } catch (err) {
    $("contact-result").textContent = problemText(err);
  }
});
$("contact-erase").addEventListener("click", async () => {
  if (!current) return;
  const go = await confirmAction({
    title: "Erase this contact everywhere?",
    body: "Their events, emails, subscriptions and identity go from every capability; votes, NPS scores and rewards stay as anonymous counts. This cannot be undone.",
    action: "Erase contact",
  });
  if (!go) return;
  try {
    const r = await ok(api.DELETE("/api/v1/contacts/{id}", { params: { path: { id: current } } }));
    $("contact").hidden = true;
    $("erased").hidden = false;
    $("erased-summary").textContent = r.opaqueContactId
      ? `${r.contactId} is erased. What was kept for counts and accounting now belongs to ${r.opaqueContactId}, which names nobody.`
      : `${r.contactId} is erased.`;
    $("erase-report").innerHTML = Object.entries(r.report)
      .map(
        ([cap, counts]) =>
          `<tr><th scope="row">${esc(cap)}</th><td>${
            Object.entries(counts)
              .filter(([, n]) => n > 0)
              .map(([what, n]) => `${esc(what)}: ${fmt.int(n)}`)
              .join(", ") || '<span class="muted">nothing held</span>'
          }</td></tr>`,
      )
      .join("");
    current = null;
    $("erased").scrollIntoView();
    await contacts.reload();
  } catch (err) {
    $("contact-result").textContent = problemText(err);
  }
});
await contacts.reload();
