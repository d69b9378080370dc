import { api, esc, fmt } from "../lib/api";

type Message = {
  id: string;
  toAddress: string | null;
  subject: string | null;
  topic: string;
  state: string;
  skipReason: string | null;
  deferReason: string | null;
  sendAfter: number;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
};
type Full = Message & {
  html: string | null;
  text: string | null;
  headers: Record<string, string> | null;
  provider: string | null;
  attempts: number;
  openedAt: number | null;
  clickedAt: number | null;
};

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let cursor: string | null = null;

const why = (m: Message) =>
  m.state === "sent"
    ? fmt.dateTime(m.sentAt ?? m.createdAt)
    : m.state === "deferred" || m.state === "queued"
      ? `${m.deferReason ? `${m.deferReason}, ` : ""}after ${fmt.dateTime(m.sendAfter)}`
      : (m.skipReason ?? m.lastError ?? "");

async function load(append = false) {
  const state = ($("state") as HTMLSelectElement).value;
  const q = new URLSearchParams({ limit: "50" });
  if (state) q.set("state", state);
  if (append && cursor) q.set("cursor", cursor);
  const page = await api<{ data: Message[]; nextCursor: string | null; counts: Record<string, number> }>(
    `/emails/messages?${q}`,
  );
  cursor = page.nextCursor;
  $("more").hidden = !cursor;
  $("counts").textContent = Object.entries(page.counts)
    .map(([k, v]) => `${k}: ${fmt.int(v)}`)
    .join(" · ");
  const rows = page.data
    .map(
      (
        m,
      ) => `<tr><td>${esc(fmt.dateTime(m.createdAt))}</td><td>${esc(m.toAddress ?? "")}</td><td>${esc(m.subject ?? "(rendered at send)")}</td>
      <td>${esc(m.topic)}</td><td class="${m.state === "sent" ? "ok" : m.state === "failed" ? "bad" : m.state === "skipped" || m.state === "suppressed" ? "muted" : "warn"}">${esc(m.state)}</td>
      <td>${esc(why(m))}</td><td><button class="secondary" data-open="${esc(m.id)}">View</button></td></tr>`,
    )
    .join("");
  $("messages").innerHTML =
    (append ? $("messages").innerHTML : "") + (rows || '<tr><td colspan="7" class="muted">Nothing here.</td></tr>');
}

async function open(id: string) {
  const m = await api<Full>(`/emails/messages/${id}`);
  $("message").hidden = false;
  const meta: Array<[string, unknown]> = [
    ["To", m.toAddress],
    ["Subject", m.subject],
    ["State", m.state],
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

$("state").addEventListener("change", () => load());
$("more").addEventListener("click", () => load(true));
$("messages").addEventListener("click", (e) => {
  const id = (e.target as HTMLElement).closest("button")?.dataset.open;
  if (id) void open(id);
});
await load();
