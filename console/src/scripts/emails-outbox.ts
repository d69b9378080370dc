import { api, esc, fmt, ok, type Query, type Schemas } from "../lib/api";
import { list } from "../lib/list";

type Message = Schemas["OutboxMessage"];
type State = Query<"/api/v1/emails/messages">["state"];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const stateSelect = $("state") as HTMLSelectElement;

const why = (m: Message) =>
  m.state === "sent"
    ? fmt.dateTime(m.sentAt ?? m.createdAt)
    : m.state === "deferred" || m.state === "queued"
      ? `${m.deferReason ? `${m.deferReason}, ` : ""}after ${fmt.dateTime(m.sendAfter)}`
      : (m.skipReason ?? m.lastError ?? "");

const stateClass = (s: Message["state"]) =>
  s === "sent"
    ? "ok"
    : s === "failed" || s === "unknown"
      ? "bad"
      : s === "skipped" || s === "suppressed"
        ? "muted"
        : "warn";

/** The state, and whether the recipient may have the message twice (resent after an unknown outcome). */
const stateLabel = (m: Message) => `${m.state}${m.maybeDuplicate ? " · possible duplicate" : ""}`;

const messages = list({
  body: $("messages"),
  empty: "No message in this state.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/emails/messages", {
        params: { query: { limit: 50, state: (stateSelect.value || undefined) as State, cursor: cursor ?? undefined } },
      }),
    ),
  onPage: (page) => {
    $("counts").textContent = Object.entries(page.counts)
      .map(([k, v]) => `${k}: ${fmt.int(v)}`)
      .join(" · ");
  },
  row: (
    m,
  ) => `<tr data-id="${esc(m.id)}"><td><time datetime="${new Date(m.createdAt).toISOString()}">${esc(fmt.dateTime(m.createdAt))}</time></td><td>${esc(m.toAddress ?? "")}</td>
      <td>${esc(m.subject ?? "(rendered at send)")}</td><td>${esc(m.topic)}</td>
      <td class="${stateClass(m.state)}" data-testid="state">${esc(stateLabel(m))}</td><td>${esc(why(m))}</td>
      <td><button class="secondary" data-open="${esc(m.id)}">View</button></td></tr>`,
});

async function open(id: string) {
  const m = await ok(api.GET("/api/v1/emails/messages/{id}", { params: { path: { id } } }));
  $("message").hidden = false;
  const meta: Array<[string, unknown]> = [
    ["To", m.toAddress],
    ["Subject", m.subject],
    ["State", stateLabel(m)],
    ["Provider", m.provider],
    ["Attempts", m.attempts],
    ["Opened", m.openedAt ? fmt.dateTime(m.openedAt) : "no"],
    ["Clicked", m.clickedAt ? fmt.dateTime(m.clickedAt) : "no"],
    ...Object.entries(m.headers ?? {}),
  ];
  $("message-meta").innerHTML = meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v ?? "")}</dd>`).join("");
  $("message-text").textContent = m.text ?? "";
  $("message-html").textContent = m.html ?? "";
  $("message").scrollIntoView();
}

stateSelect.addEventListener("change", () => messages.reload());
$("messages").addEventListener("click", (e) => {
  const id = (e.target as HTMLElement).closest("button")?.dataset.open;
  if (id) void open(id);
});
await messages.reload();
