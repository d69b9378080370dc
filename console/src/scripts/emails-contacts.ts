import { api, esc, fmt, ok } from "../lib/api";
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
await contacts.reload();
