import { type Answer, api, esc, fmt, ok, problemText } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";

type Funnel = Answer<"/api/v1/programs/{id}/stats">["totals"];
type RewardSpec = Answer<"/api/v1/rewards">["data"][number]["reward"];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const programSelect = $("program") as HTMLSelectElement;
const daysSelect = $("days") as HTMLSelectElement;
const rate = (r: number | null) => (r === null ? "—" : fmt.pct(r));
const describe = (r: RewardSpec) =>
  r.kind === "credit"
    ? `${(r.amount / 100).toFixed(2)} ${r.currency} credit`
    : r.kind === "discount"
      ? `${r.percent}% discount`
      : `Unlocks ${r.feature}`;
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
      api.GET("/api/v1/rewards", {
        params: {
          query: {
            programId: programSelect.value,
            state: "held",
            flagged: "true",
            limit: 20,
            cursor: cursor ?? undefined,
          },
        },
      }),
    ),
  row: (r) => `<tr data-reward="${esc(r.id)}"><td>${esc(describe(r.reward))}</td><td>${esc(r.side)}</td>
      <td>${esc(r.flags.join(", "))}</td><td>${esc(fmt.date(r.updatedAt))}</td>
      <td><button data-approve="${esc(r.id)}">Approve</button> <button class="secondary" data-reverse="${esc(r.id)}">Reverse</button></td></tr>`,
});

type Link = Answer<"/api/v1/links">["data"][number];

function linkStatus(l: Link) {
  if (l.disabledAt !== null) return "Disabled";
  if (!l.destinationAllowed) {
    return l.redirectsTo
      ? "Destination no longer allowed: sends visitors to the program's default"
      : "Destination no longer allowed: answers 404";
  }
  return l.redirectsTo ? "Active" : "Program archived";
}

const links = list({
  body: $("links"),
  empty: "No campaign links yet.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/links", {
        params: { query: { programId: programSelect.value, kind: "campaign", limit: 50, cursor: cursor ?? undefined } },
      }),
    ),
  row: (l) => `<tr data-link="${esc(l.id)}"><td><code>${esc(l.code)}</code></td><td>${esc(l.name ?? "")}</td>
      <td>${esc(l.destination ?? "")}</td><td>${esc(linkStatus(l))}</td></tr>`,
});

async function load() {
  if (!programSelect.value) return;
  await Promise.all([loadStats(programSelect.value), top.reload(), review.reload(), links.reload()]);
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
  } catch (err) {
    $("review-result").textContent = problemText(err);
  }
});

programSelect.addEventListener("change", load);
daysSelect.addEventListener("change", load);

const { data: programs } = await ok(api.GET("/api/v1/programs", { params: { query: { limit: 200 } } }));
programSelect.innerHTML = programs
  .map((p) => `<option value="${esc(p.id)}">${esc(p.name)}${p.state === "archived" ? " (archived)" : ""}</option>`)
  .join("");
if (programs.length) await load();
else $("totals").innerHTML = '<p class="muted">No programs yet: create one with POST /api/v1/programs.</p>';
