// Enter marketing spend per quarter and channel.
import { api, esc } from "../lib/api";
import { $, errorText, formatValue, quarterSelect } from "./kpis-shared";

type Spend = { channel: string; amount: number; note: string | null };
const form = $<HTMLFormElement>("spend-form");
const quarterEl = $<HTMLSelectElement>("quarter");
const money = (n: number) => esc(formatValue(n, "currency"));
const path = (channel: string) => `/kpis/spend/${encodeURIComponent(quarterEl.value)}/${encodeURIComponent(channel)}`;

async function load() {
  const { data } = await api<{ data: Spend[] }>(`/kpis/spend?quarter=${encodeURIComponent(quarterEl.value)}`);
  $("spend").innerHTML = data.length
    ? data
        .map(
          (s) => `<tr><th scope="row">${esc(s.channel)}</th><td>${money(s.amount)}</td><td>${esc(s.note ?? "")}</td>
          <td><button type="button" class="secondary" data-delete="${esc(s.channel)}" aria-label="Remove ${esc(s.channel)}">Remove</button></td></tr>`,
        )
        .join("")
    : `<tr><td colspan="4" class="muted">No spend entered for ${esc(quarterEl.value)}.</td></tr>`;
  $("spend-total").innerHTML = money(data.reduce((sum, s) => sum + s.amount, 0));
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  try {
    await api(path(String(data.get("channel"))), {
      method: "PUT",
      json: { amount: Number(data.get("amount")), note: String(data.get("note") ?? "") || null },
    });
    $("spend-result").textContent = "Saved.";
    form.reset();
    await load();
  } catch (e) {
    $("spend-result").textContent = `Not saved: ${errorText(e)}`;
  }
});
$("spend").addEventListener("click", async (ev) => {
  const channel = (ev.target as HTMLElement).closest("button")?.dataset.delete;
  if (!channel) return;
  await api(path(channel), { method: "DELETE" });
  $("spend-result").textContent = "Removed.";
  await load();
});
quarterEl.addEventListener("change", () => load());
quarterSelect(quarterEl);
load().catch((e) => {
  $("spend-result").textContent = `Could not load: ${errorText(e)}`;
});
