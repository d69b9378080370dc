import { ApiError, api, esc, fmt } from "../lib/api";

type Program = { id: string; name: string; state: string };
type Funnel = {
  clicks: number;
  uniqueClicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
  conversionRate: number | null;
};
type Stats = { totals: Funnel; byDay: Array<Funnel & { day: string }>; bySource: Array<Funnel & { source: string }> };
type Referrer = {
  id: string;
  name: string | null;
  email: string | null;
  code: string;
  clicks: number;
  signups: number;
  qualified: number;
};
type RewardSpec =
  | { kind: "credit"; amount: number; currency: string }
  | { kind: "discount"; percent: number }
  | { kind: "feature"; feature: string };
type Reward = {
  id: string;
  side: string;
  reward: RewardSpec;
  flags: string[];
  holdReason: string | null;
  updatedAt: number;
};
type Link = {
  id: string;
  code: string;
  url: string;
  name: string | null;
  destination: string | null;
  destinationAllowed: boolean;
  redirectsTo: string | null;
  disabledAt: number | null;
};
type Page<T> = { data: T[]; nextCursor: string | null };

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
  const s = await api<Stats>(`/programs/${programId}/stats?from=${from}&to=${to}`);
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
    const sum = (k: keyof Funnel) => w.reduce((n, d) => n + ((d[k] as number) ?? 0), 0);
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

async function loadTop(programId: string) {
  const { data } = await api<Page<Referrer>>(`/programs/${programId}/referrers?sort=top&limit=10`);
  $("top").innerHTML =
    data
      .map(
        (r) => `<tr><td>${esc(r.name ?? r.email ?? r.id)}</td><td><code>${esc(r.code)}</code></td>
        <td>${fmt.int(r.clicks)}</td><td>${fmt.int(r.signups)}</td><td>${fmt.int(r.qualified)}</td></tr>`,
      )
      .join("") || '<tr><td colspan="5" class="muted">No referrers yet.</td></tr>';
}

/** A table filled a page at a time, with a "Show more" button while there is a next page. */
function pagedTable<T>(body: string, more: string, empty: string, row: (item: T) => string) {
  let next: string | null = null;
  let path = "";
  const load = async (from?: string, append = false) => {
    if (from !== undefined) path = from;
    const cursor = append && next ? `&cursor=${encodeURIComponent(next)}` : "";
    const page = await api<Page<T>>(`${path}${cursor}`);
    next = page.nextCursor;
    const rows = page.data.map(row).join("");
    if (append) $(body).insertAdjacentHTML("beforeend", rows);
    else $(body).innerHTML = rows || empty;
    $(more).hidden = !next;
  };
  $(more).addEventListener("click", () => load(undefined, true));
  return (from: string) => load(from);
}

const loadReview = pagedTable<Reward>(
  "review",
  "more-review",
  '<tr><td colspan="5" class="muted">Nothing to review.</td></tr>',
  (r) => `<tr data-reward="${esc(r.id)}"><td>${esc(describe(r.reward))}</td><td>${esc(r.side)}</td>
      <td>${esc(r.flags.join(", "))}</td><td>${esc(fmt.date(r.updatedAt))}</td>
      <td><button data-approve="${esc(r.id)}">Approve</button> <button class="secondary" data-reverse="${esc(r.id)}">Reverse</button></td></tr>`,
);

function linkStatus(l: Link) {
  if (l.disabledAt !== null) return "Disabled";
  if (!l.destinationAllowed) {
    return l.redirectsTo
      ? "Destination no longer allowed: sends visitors to the program's default"
      : "Destination no longer allowed: answers 404";
  }
  return l.redirectsTo ? "Active" : "Program archived";
}

const loadLinks = pagedTable<Link>(
  "links",
  "more-links",
  '<tr><td colspan="4" class="muted">No campaign links: create one with POST /api/v1/programs/{id}/links.</td></tr>',
  (l) => `<tr data-link="${esc(l.id)}"><td><code>${esc(l.code)}</code></td><td>${esc(l.name ?? "")}</td>
      <td>${esc(l.destination ?? "")}</td><td>${esc(linkStatus(l))}</td></tr>`,
);

async function load() {
  const id = programSelect.value;
  if (!id) return;
  await Promise.all([
    loadStats(id),
    loadTop(id),
    loadReview(`/rewards?programId=${id}&state=held&flagged=true&limit=20`),
    loadLinks(`/links?programId=${id}&kind=campaign&limit=50`),
  ]);
}

document.addEventListener("click", async (e) => {
  const t = e.target as HTMLElement;
  const id = t.dataset.approve ?? t.dataset.reverse;
  if (!id) return;
  const action = t.dataset.approve ? "approve" : "reverse";
  try {
    await api(`/rewards/${id}/${action}`, {
      method: "POST",
      json:
        action === "reverse"
          ? { reason: "fraud", note: "reviewed in the console" }
          : { note: "reviewed in the console" },
    });
    t.closest("tr")?.remove();
    $("review-result").textContent = action === "approve" ? "Approved." : "Reversed.";
  } catch (err) {
    $("review-result").textContent = err instanceof ApiError ? err.message : "Something went wrong";
  }
});

programSelect.addEventListener("change", load);
daysSelect.addEventListener("change", load);

const { data: programs } = await api<Page<Program>>("/programs?limit=200");
programSelect.innerHTML = programs
  .map((p) => `<option value="${esc(p.id)}">${esc(p.name)}${p.state === "archived" ? " (archived)" : ""}</option>`)
  .join("");
if (programs.length) await load();
else $("totals").innerHTML = '<p class="muted">No programs yet: create one with POST /api/v1/programs.</p>';
