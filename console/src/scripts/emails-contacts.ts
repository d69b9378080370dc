import { api, esc, fmt } from "../lib/api";

type Contact = { id: string; externalId: string; email: string | null; name: string | null; timezone: string | null };
type Detail = {
  contact: Contact & { traits: Record<string, unknown> };
  consent: Record<string, boolean>;
  suppressed: string | null;
  unsubscribedAt: number | null;
  eventCount: number;
  lastEventAt: number | null;
  churnRisk: number;
  events: Array<{ event: string; count: number; lastAt: number }>;
};
type Item =
  | { kind: "event"; at: number; event: string; properties: Record<string, unknown> }
  | { kind: "message"; at: number; subject: string | null; state: string; topic: string };

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let current: string | null = null;
let before: number | null = null;

async function search(q: string) {
  const { data } = await api<{ data: Contact[] }>(`/contacts?limit=50${q ? `&q=${encodeURIComponent(q)}` : ""}`);
  $("contacts").innerHTML = data.length
    ? data
        .map(
          (
            c,
          ) => `<tr><td>${esc(c.email ?? "")}</td><td>${esc(c.externalId)}</td><td>${esc(c.name ?? "")}</td><td>${esc(c.timezone ?? "")}</td>
          <td><button class="secondary" data-open="${esc(c.id)}" aria-label="Open ${esc(c.email ?? c.externalId)}">Open</button></td></tr>`,
        )
        .join("")
    : '<tr><td colspan="5" class="muted">No contact matches.</td></tr>';
}

async function timeline(append: boolean) {
  if (!current) return;
  const q = new URLSearchParams({ limit: "50" });
  if (append && before) q.set("before", String(before));
  const page = await api<{ data: Item[]; nextBefore: number | null }>(`/contacts/${current}/timeline?${q}`);
  before = page.nextBefore;
  $("timeline-more").hidden = !before;
  const items = page.data
    .map((i) =>
      i.kind === "event"
        ? `<li><time>${esc(fmt.dateTime(i.at))}</time> event <strong>${esc(i.event)}</strong> <code>${esc(JSON.stringify(i.properties)).slice(0, 200)}</code></li>`
        : `<li><time>${esc(fmt.dateTime(i.at))}</time> email “${esc(i.subject ?? "")}” <span class="muted">${esc(i.topic)}, ${esc(i.state)}</span></li>`,
    )
    .join("");
  $("timeline").innerHTML = (append ? $("timeline").innerHTML : "") + (items || '<li class="muted">Nothing yet.</li>');
}

async function open(id: string) {
  current = id;
  const d = await api<Detail>(`/contacts/${id}`);
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
  void search(($("q") as HTMLInputElement).value.trim());
});
$("contacts").addEventListener("click", (e) => {
  const id = (e.target as HTMLElement).closest("button")?.dataset.open;
  if (id) void open(id);
});
$("timeline-more").addEventListener("click", () => timeline(true));
await search("");
