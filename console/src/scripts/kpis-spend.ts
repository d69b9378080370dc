// Enter marketing spend per quarter and channel.
import { api, esc, ok } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, errorText, formatValue, quarterSelect } from "./kpis-shared";

const form = $<HTMLFormElement>("spend-form");
const quarterEl = $<HTMLSelectElement>("quarter");
const money = (n: number) => esc(formatValue(n, "currency"));
const path = (channel: string) => ({ path: { quarter: quarterEl.value, channel } });

const spend = list({
  body: $("spend"),
  empty: "No spend entered for this quarter.",
  load: () => ok(api.GET("/api/v1/kpis/spend", { params: { query: { quarter: quarterEl.value } } })),
  row: (s) => `<tr><th scope="row">${esc(s.channel)}</th><td>${money(s.amount)}</td><td>${esc(s.note ?? "")}</td>
      <td><button type="button" class="secondary" data-delete="${esc(s.channel)}" aria-label="Remove ${esc(s.channel)}">Remove</button></td></tr>`,
  onPage: (_page, all) => {
    $("spend-total").innerHTML = money(all.reduce((sum, s) => sum + s.amount, 0));
  },
});

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  try {
    await ok(
      api.PUT("/api/v1/kpis/spend/{quarter}/{channel}", {
        params: path(String(data.get("channel"))),
        body: { amount: Number(data.get("amount")), note: String(data.get("note") ?? "") || null },
      }),
    );
    $("spend-result").textContent = "Saved.";
    form.reset();
    await spend.reload();
  } catch (e) {
    $("spend-result").textContent = `Not saved: ${errorText(e)}`;
  }
});
$("spend").addEventListener("click", async (ev) => {
  const channel = (ev.target as HTMLElement).closest("button")?.dataset.delete;
  if (!channel) return;
  const go = await confirmAction({
    title: `Remove the ${channel} spend of ${quarterEl.value}?`,
    body: "CAC for the quarter is computed again without it.",
    action: "Remove",
  });
  if (!go) return;
  try {
    await ok(api.DELETE("/api/v1/kpis/spend/{quarter}/{channel}", { params: path(channel) }));
    $("spend-result").textContent = "Removed.";
    await spend.reload();
  } catch (e) {
    $("spend-result").textContent = `Not removed: ${errorText(e)}`;
  }
});
quarterEl.addEventListener("change", () => spend.reload());
quarterSelect(quarterEl);
await spend.reload();
