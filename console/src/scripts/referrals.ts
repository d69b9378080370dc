import { type Answer, api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, download, pickProgram, rewardText, withRetry } from "./referrals-shared";

type Funnel = Answer<"/api/v1/programs/{id}/stats">["totals"];
type Person = Schemas["RewardWithPeople"]["recipient"];

const programSelect = $("program") as HTMLSelectElement;
const daysSelect = $("days") as HTMLSelectElement;
const rate = (r: number | null) => (r === null ? "—" : fmt.pct(r));
const describe = (r: Schemas["RewardSpec"]) => rewardText(r).replace(/^a /, "");
const who = (p: Person) =>
  `${esc(p.name ?? p.email ?? p.externalId)}${p.name && p.email ? ` <span class="muted">${esc(p.email)}</span>` : ""}`;
const day = (d: number) => new Date(d).toISOString().slice(0, 10);

function bar(value: number, max: number) {
  const pct = max ? Math.round((value / max) * 100) : 0;
  return `<span class="bar" style="display:inline-block;height:.6em;width:${pct}px;max-width:100px;background:var(--accent);margin-right:.4em" aria-hidden="true"></span>${fmt.int(value)}`;
}

async function loadStats(programId: string) {
  const to = day(Date.now());
  const from = day(Date.now() - (Number(daysSelect.value) - 1) * 86_400_000);
  const s = await ok(
    api.GET("/api/v1/programs/{id}/stats", { params: { path: { id: programId }, query: { from, to } } }),
  );
  const t = s.totals;
  $("totals").innerHTML = [
    ["Clicks", fmt.int(t.clicks)],
    ["Unique visitors", fmt.int(t.uniqueClicks)],
    ["Sign-ups", fmt.int(t.signups)],
    ["Qualified", fmt.int(t.qualified)],
    ["Rewarded", fmt.int(t.rewarded)],
    ["Conversion", rate(t.conversionRate)],
  ]
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join("");
  const weeks: Array<Funnel & { day: string }> = [];
  for (let i = 0; i < s.byDay.length; i += 7) {
    const w = s.byDay.slice(i, i + 7);
    const sum = (k: Exclude<keyof Funnel, "conversionRate">) => w.reduce((n, d) => n + d[k], 0);
    const signups = sum("signups");
    const qualified = sum("qualified");
    weeks.push({
      day: w[0].day,
      clicks: sum("clicks"),
      uniqueClicks: sum("uniqueClicks"),
      signups,
      qualified,
      rewarded: sum("rewarded"),
      conversionRate: signups ? qualified / signups : null,
    });
  }
  const maxClicks = Math.max(...weeks.map((w) => w.clicks), 1);
  const maxSignups = Math.max(...weeks.map((w) => w.signups), 1);
  $("weeks").innerHTML = weeks
    .map(
      (w) => `<tr><td>${esc(w.day)}</td><td>${bar(w.clicks, maxClicks)}</td><td>${bar(w.signups, maxSignups)}</td>
      <td>${bar(w.qualified, maxSignups)}</td><td>${bar(w.rewarded, maxSignups)}</td><td>${rate(w.conversionRate)}</td></tr>`,
    )
    .join("");
  $("sources").innerHTML =
    s.bySource
      .map(
        (x) => `<tr><td>${esc(x.source)}</td><td>${fmt.int(x.clicks)}</td><td>${fmt.int(x.signups)}</td>
        <td>${fmt.int(x.qualified)}</td><td>${rate(x.conversionRate)}</td></tr>`,
      )
      .join("") || '<tr><td colspan="5" class="muted">No traffic in this period.</td></tr>';
}

const top = list({
  body: $("top"),
  empty: "No referrers yet.",
  load: () =>
    ok(
      api.GET("/api/v1/programs/{id}/referrers", {
        params: { path: { id: programSelect.value }, query: { sort: "top", limit: 10 } },
      }),
    ),
  row: (r) => `<tr><td>${esc(r.name ?? r.email ?? r.id)}</td><td><code>${esc(r.code)}</code></td>
      <td>${fmt.int(r.clicks ?? 0)}</td><td>${fmt.int(r.signups ?? 0)}</td><td>${fmt.int(r.qualified ?? 0)}</td></tr>`,
});

const review = list({
  body: $("review"),
  empty: "Nothing to review.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/rewards/review", {
        params: { query: { programId: programSelect.value, limit: 20, cursor: cursor ?? undefined } },
      }),
    ),
  row: (
    r,
  ) => `<tr data-reward="${esc(r.id)}"><td>${esc(describe(r.reward))}<br><span class="muted">for the ${esc(r.side)}</span></td>
      <td>${who(r.referrer)} →<br>${who(r.referee)}</td>
      <td><ul class="evidence">${r.evidence.map((e) => `<li><strong>${esc(e.title)}</strong>: ${esc(e.detail)}</li>`).join("")}</ul></td>
      <td>${esc(fmt.date(r.updatedAt))}</td>
      <td><span class="actions"><button data-approve="${esc(r.id)}">Approve</button> <button class="secondary" data-reverse="${esc(r.id)}">Reverse</button></span></td></tr>`,
});

const selected = new Set<string>();
const payButton = $("pay-selected") as HTMLButtonElement;
const syncPay = () => {
  payButton.disabled = !selected.size;
  payButton.textContent = selected.size ? `Mark ${selected.size} paid` : "Mark selected paid";
};
const approved = list({
  body: $("approved"),
  empty: "No approved rewards waiting to be paid.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/rewards", {
        params: {
          query: { programId: programSelect.value, state: "approved", limit: 50, cursor: cursor ?? undefined },
        },
      }),
    ),
  onPage: (_page, items) => {
    for (const id of selected) if (!items.some((r) => r.id === id)) selected.delete(id);
    syncPay();
  },
  row: (r) => `<tr data-approved="${esc(r.id)}">
      <td><input type="checkbox" data-select="${esc(r.id)}" aria-label="Select ${esc(describe(r.reward))} for ${esc(r.recipient.name ?? r.recipient.email ?? r.recipient.externalId)}" /></td>
      <td>${esc(describe(r.reward))}</td><td>${who(r.recipient)}<br><span class="muted">the ${esc(r.side)}</span></td>
      <td>${r.side === "referrer" ? who(r.referee) : `referred by ${who(r.referrer)}`}</td><td>${esc(fmt.date(r.updatedAt))}</td>
      <td><button class="secondary" data-pay="${esc(r.id)}">Mark paid</button></td></tr>`,
});

async function load() {
  if (!programSelect.value) return;
  ($("edit-program") as HTMLAnchorElement).href = `program/?id=${encodeURIComponent(programSelect.value)}`;
  $("edit-program").hidden = false;
  selected.clear();
  syncPay();
  await Promise.all([
    withRetry($("funnel-h").parentElement as HTMLElement, () => loadStats(programSelect.value)),
    top.reload(),
    review.reload(),
    approved.reload(),
  ]);
}

document.addEventListener("click", async (e) => {
  const t = e.target as HTMLElement;
  const id = t.dataset.approve ?? t.dataset.reverse;
  if (!id) return;
  const approve = Boolean(t.dataset.approve);
  const reward = review.items().find((r) => r.id === id);
  const what = reward ? describe(reward.reward) : "this reward";
  const go = await confirmAction(
    approve
      ? {
          title: `Approve ${what}?`,
          body: "The fraud hold is lifted and the reward is granted: a reward.approved webhook tells your systems to pay it.",
          action: "Approve",
        }
      : {
          title: `Reverse ${what} as fraud?`,
          body: "The reward is cancelled for good and the customer never receives it. This cannot be undone.",
          action: "Reverse",
        },
  );
  if (!go) return;
  const note = "reviewed in the console";
  const path = { path: { id } };
  try {
    if (approve) await ok(api.POST("/api/v1/rewards/{id}/approve", { params: path, body: { note } }));
    else await ok(api.POST("/api/v1/rewards/{id}/reverse", { params: path, body: { reason: "fraud", note } }));
    t.closest("tr")?.remove();
    $("review-result").textContent = approve ? "Approved." : "Reversed.";
    if (approve) await approved.reload();
  } catch (err) {
    $("review-result").textContent = problemText(err);
  }
});

/** Marks `ids` paid after asking; says what happened to each. */
async function pay(ids: string[]) {
  const many = ids.length > 1;
  const go = await confirmAction({
    title: many ? `Mark ${ids.length} rewards paid?` : "Mark this reward paid?",
    body: "Do this once you have paid them: a reward.paid webhook tells your systems, and a paid reward cannot be reversed.",
    action: "Mark paid",
  });
  if (!go) return;
  try {
    const res = await ok(api.POST("/api/v1/rewards/pay", { body: { ids, note: "marked paid in the console" } }));
    const refused = res.results.filter((r) => !r.paid);
    $("pay-result").textContent =
      `${res.paid} marked paid.` + (refused.length ? ` Not paid: ${refused.map((r) => r.detail).join("; ")}.` : "");
    for (const r of res.results) if (r.paid) selected.delete(r.id);
    await approved.reload();
  } catch (err) {
    $("pay-result").textContent = problemText(err);
  }
}

async function exportCsv(state: "approved" | "paid") {
  try {
    const csv = await ok(
      api.GET("/api/v1/rewards/payouts.csv", {
        params: { query: { programId: programSelect.value, state } },
        parseAs: "text",
      }),
    );
    download(`payouts-${state}-${new Date().toISOString().slice(0, 10)}.csv`, csv as string, "text/csv");
    $("pay-result").textContent = "";
  } catch (err) {
    $("pay-result").textContent = `Could not export: ${problemText(err)}`;
  }
}

document.addEventListener("change", (e) => {
  const t = e.target as HTMLInputElement;
  if (t.id === "pay-all") {
    for (const box of $("approved").querySelectorAll<HTMLInputElement>("input[data-select]")) {
      box.checked = t.checked;
      if (t.checked) selected.add(box.dataset.select as string);
      else selected.delete(box.dataset.select as string);
    }
  } else if (t.dataset.select) {
    if (t.checked) selected.add(t.dataset.select);
    else selected.delete(t.dataset.select);
  } else return;
  syncPay();
});
document.addEventListener("click", (e) => {
  const t = e.target as HTMLElement;
  if (t.dataset.pay) void pay([t.dataset.pay]);
  else if (t.id === "pay-selected") void pay([...selected]);
  else if (t.id === "export-approved") void exportCsv("approved");
  else if (t.id === "export-paid") void exportCsv("paid");
});

programSelect.addEventListener("change", load);
daysSelect.addEventListener("change", load);

await withRetry($("pick"), async () => {
  const programs = await pickProgram(programSelect);
  $("no-program").hidden = programs.length > 0;
  if (programs.length) await load();
});
