/** The program editor: every setting of a program, and the reward policy as the sentence customers read. */
import { api, esc, ok, type Schemas } from "../lib/api";
import {
  $,
  apiFieldErrors,
  decimals,
  type Program,
  type RewardSpec,
  rewardText,
  showFieldErrors,
  withRetry,
} from "./referrals-shared";

type Body = Schemas["ProgramInput"];

const form = $("program-form") as HTMLFormElement;
const tiersBox = $("tiers");
const editing = new URLSearchParams(location.search).get("id");
const input = (id: string) => $(id) as HTMLInputElement;
const val = (id: string) => input(id).value.trim();

const KIND_LABEL = { credit: "Amount", discount: "Percent off", feature: "Feature name" } as const;

/** One reward's fields (`prefix-kind`, `prefix-value`, `prefix-currency`); `none` adds "No reward". */
function rewardFields(prefix: string, spec: RewardSpec | null, none = false): string {
  const kind = spec?.kind ?? (none ? "none" : "credit");
  const value =
    spec?.kind === "credit"
      ? (spec.amount / 10 ** decimals(spec.currency)).toFixed(decimals(spec.currency))
      : spec?.kind === "discount"
        ? String(spec.percent)
        : spec?.kind === "feature"
          ? spec.feature
          : "";
  const currency = spec?.kind === "credit" ? spec.currency : "USD";
  const opt = (v: string, label: string) => `<option value="${v}"${v === kind ? " selected" : ""}>${label}</option>`;
  return `<span><label for="${prefix}-kind">Reward</label><select id="${prefix}-kind" data-kind>
      ${none ? opt("none", "No reward") : ""}${opt("credit", "Credit")}${opt("discount", "Discount")}${opt("feature", "Feature")}
    </select></span>
    <span data-value><label for="${prefix}-value">${KIND_LABEL[kind === "none" ? "credit" : kind]}</label>
      <input id="${prefix}-value" value="${esc(value)}" ${kind === "feature" ? "" : 'inputmode="decimal"'} /></span>
    <span data-currency><label for="${prefix}-currency">Currency</label>
      <input id="${prefix}-currency" value="${esc(currency)}" maxlength="3" size="4" autocapitalize="characters" /></span>`;
}

/** Shows only the fields the chosen kind has. */
function syncKinds() {
  for (const select of form.querySelectorAll<HTMLSelectElement>("select[data-kind]")) {
    const row = select.closest(".reward-row") as HTMLElement;
    const kind = select.value as keyof typeof KIND_LABEL | "none";
    (row.querySelector("[data-value]") as HTMLElement).hidden = kind === "none";
    (row.querySelector("[data-currency]") as HTMLElement).hidden = kind !== "credit";
    if (kind !== "none") (row.querySelector("[data-value] label") as HTMLElement).textContent = KIND_LABEL[kind];
  }
}

let nextTier = 0;
function addTier(t?: Body["rewardPolicy"]["referrer"]["tiers"][number]) {
  const i = nextTier++; // ids stay unique when a tier in the middle is removed
  const n = t?.minQualified ?? (tiersBox.children.length === 0 ? 1 : tiersBox.children.length * 5);
  const div = document.createElement("div");
  div.className = "tier";
  div.dataset.i = String(i);
  div.innerHTML = `<span><label for="tier-${i}-min">From qualified referral no.</label>
      <input id="tier-${i}-min" type="number" min="1" value="${n}" size="6" /></span>
    <span><label for="tier-${i}-label">Tier name (optional)</label><input id="tier-${i}-label" value="${esc(t?.label ?? "")}" maxlength="100" /></span>
    <div class="reward-row">${rewardFields(`tier-${i}`, t?.reward ?? null)}</div>
    ${tiersBox.children.length ? `<button type="button" class="secondary" data-remove-tier aria-label="Remove this tier">Remove</button>` : ""}`;
  tiersBox.append(div);
  syncKinds();
}

type Errors = Record<string, string>;

/** The reward the fields of `prefix` describe, or null ("No reward"); problems go in `errors`. */
function readReward(prefix: string, errors: Errors): RewardSpec | null {
  const kind = ($(`${prefix}-kind`) as HTMLSelectElement).value;
  const raw = val(`${prefix}-value`);
  if (kind === "none") return null;
  if (kind === "feature") {
    if (!raw) errors[`${prefix}-value`] = "Name the feature this unlocks.";
    return { kind, feature: raw };
  }
  const n = Number(raw.replace(",", "."));
  if (kind === "discount") {
    if (!raw || !Number.isInteger(n) || n < 1 || n > 100)
      errors[`${prefix}-value`] = "A whole percentage from 1 to 100.";
    return { kind, percent: n };
  }
  const currency = val(`${prefix}-currency`).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) errors[`${prefix}-currency`] = "A three-letter currency code, such as USD.";
  if (!raw || !(n > 0)) errors[`${prefix}-value`] = "An amount above zero, such as 20.00.";
  return { kind: "credit", amount: Math.round(n * 10 ** decimals(currency || "USD")), currency };
}

function whole(id: string, errors: Errors, min: number, max: number, what: string): number {
  const raw = val(id);
  const n = Number(raw);
  if (!raw || !Number.isInteger(n) || n < min || n > max) errors[id] = `${what}: a whole number from ${min} to ${max}.`;
  return n;
}

/** The program the form describes, and what is missing or wrong in words. */
function read(): { body: Body; errors: Errors } {
  const errors: Errors = {};
  const hosts = val("hosts")
    .split(/[\s,]+/)
    .map((h) => h.toLowerCase())
    .filter(Boolean);
  if (!val("name")) errors.name = "Give the program a name.";
  if (!hosts.length) errors.hosts = "Allow at least one host, such as app.example.com.";
  if (!val("destination")) errors.destination = "Where should referral links go? An https URL.";
  const tierIds = [...tiersBox.querySelectorAll<HTMLElement>(".tier")].map((d) => d.dataset.i);
  const tiers = tierIds.map((i) => ({
    minQualified: whole(`tier-${i}-min`, errors, 1, 100_000, "Referrals"),
    label: val(`tier-${i}-label`) || undefined,
    reward: readReward(`tier-${i}`, errors) as RewardSpec,
  }));
  tiers.forEach((t, k) => {
    if (k && t.minQualified <= tiers[k - 1].minQualified)
      errors[`tier-${tierIds[k]}-min`] = `Must be more than the tier before (${tiers[k - 1].minQualified}).`;
  });
  const qType = ($("qType") as HTMLSelectElement).value;
  const event = val("qEvent");
  if (qType === "event" && !/^[a-z0-9][a-z0-9_.-]*$/.test(event))
    errors.qEvent = "An event name in lowercase letters, digits, _ . or -, such as first_payment.";
  const body: Body = {
    name: val("name"),
    allowedHosts: hosts,
    defaultDestination: val("destination"),
    windowDays: whole("windowDays", errors, 1, 365, "Days"),
    attributionModel: ($("model") as HTMLSelectElement).value as Body["attributionModel"],
    rewardPolicy: {
      referrer: { tiers },
      // Left out is "no reward" (the API's default), for a new program and a changed one alike.
      referee: readReward("referee", errors) ?? undefined,
      monthlyCap: val("monthlyCap") ? whole("monthlyCap", errors, 1, 10_000, "Rewards") : null,
      holdDays: whole("holdDays", errors, 0, 365, "Days"),
      velocity: {
        perReferrerPerDay: whole("perReferrer", errors, 1, 10_000, "Sign-ups"),
        perVisitorPerDay: whole("perVisitor", errors, 1, 10_000, "Sign-ups"),
      },
    },
    qualifyingEvent:
      qType === "event"
        ? { type: "event", event }
        : { type: "active_after_days", days: whole("qDays", errors, 1, 365, "Days") },
  };
  return { body, errors };
}

const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10];
  return `${n}${s ?? "th"}`;
};

/** The reward policy as a customer reads it. */
export function policySentence(b: Body): string {
  const q = b.qualifyingEvent;
  const counts =
    q?.type === "active_after_days"
      ? `signs up and is still active ${q.days} days later`
      : q?.event === "signup"
        ? "signs up"
        : q?.event === "first_payment"
          ? "makes their first payment"
          : `reports “${q?.event || "…"}”`;
  const p = b.rewardPolicy;
  const tiers = p.referrer.tiers.filter((t) => t.reward && Number.isFinite(t.minQualified));
  const tierText = tiers.map((t, i) => {
    const named = t.label ? ` (${t.label})` : "";
    if (i === 0 && t.minQualified <= 1) return `you get ${rewardText(t.reward)}`;
    return `from your ${ordinal(t.minQualified)} referral${named} you get ${rewardText(t.reward)}`;
  });
  const parts = [
    `Share your link: when someone you refer ${counts} within ${b.windowDays} days of clicking it, ${tierText.join("; ") || "you get a reward"}.`,
  ];
  if (p.referee) parts.push(`They get ${rewardText(p.referee)}.`);
  const hold = p.holdDays ?? 30;
  parts.push(
    hold > 0
      ? `Rewards are confirmed ${hold} day${hold === 1 ? "" : "s"} later (a refund before then cancels them).`
      : "Rewards are granted as soon as the referral counts.",
  );
  if (p.monthlyCap) parts.push(`You can earn up to ${p.monthlyCap} reward${p.monthlyCap === 1 ? "" : "s"} a month.`);
  return parts.join(" ");
}

function refresh() {
  syncKinds();
  for (const div of form.querySelectorAll<HTMLElement>("[data-q]"))
    div.hidden = div.dataset.q !== ($("qType") as HTMLSelectElement).value;
  $("policy").textContent = policySentence(read().body);
}

/** The API's field paths to this form's fields. */
function fieldOf(path: string): string | null {
  const p = path.replace(/^body\./, "");
  const tier = /^rewardPolicy\.referrer\.tiers\.(\d+)\.(minQualified|label|reward)(?:\.(\w+))?/.exec(p);
  if (tier) {
    const [, k, f, sub] = tier;
    const i = tiersBox.querySelectorAll<HTMLElement>(".tier")[Number(k)]?.dataset.i ?? k;
    return f === "minQualified"
      ? `tier-${i}-min`
      : f === "label"
        ? `tier-${i}-label`
        : `tier-${i}-${sub === "currency" ? "currency" : "value"}`;
  }
  const referee = /^rewardPolicy\.referee\.(\w+)/.exec(p);
  if (referee) return `referee-${referee[1] === "currency" ? "currency" : "value"}`;
  const fields: Record<string, string> = {
    name: "name",
    defaultDestination: "destination",
    windowDays: "windowDays",
    attributionModel: "model",
    "rewardPolicy.referrer.tiers": "tier-0-min",
    "rewardPolicy.monthlyCap": "monthlyCap",
    "rewardPolicy.holdDays": "holdDays",
    "rewardPolicy.velocity.perReferrerPerDay": "perReferrer",
    "rewardPolicy.velocity.perVisitorPerDay": "perVisitor",
    "qualifyingEvent.event": "qEvent",
    "qualifyingEvent.days": "qDays",
    state: "state",
  };
  if (p.startsWith("allowedHosts")) return "hosts";
  return fields[p] ?? null;
}

function fill(p: Program) {
  input("name").value = p.name;
  input("hosts").value = p.allowedHosts.join("\n");
  input("destination").value = p.defaultDestination;
  input("windowDays").value = String(p.windowDays);
  ($("model") as HTMLSelectElement).value = p.attributionModel;
  tiersBox.innerHTML = "";
  nextTier = 0;
  for (const t of p.rewardPolicy.referrer.tiers) addTier(t);
  $("referee").innerHTML =
    `<div class="reward-row">${rewardFields("referee", p.rewardPolicy.referee ?? null, true)}</div>`;
  input("monthlyCap").value = String(p.rewardPolicy.monthlyCap ?? "");
  input("holdDays").value = String(p.rewardPolicy.holdDays ?? 30);
  input("perReferrer").value = String(p.rewardPolicy.velocity?.perReferrerPerDay ?? 20);
  input("perVisitor").value = String(p.rewardPolicy.velocity?.perVisitorPerDay ?? 3);
  const q = p.qualifyingEvent;
  ($("qType") as HTMLSelectElement).value = q.type;
  if (q.type === "event") input("qEvent").value = q.event;
  else input("qDays").value = String(q.days);
  ($("state") as HTMLSelectElement).value = p.state;
}

function editMode(p: Program) {
  $("mode").textContent = `Editing ${p.name}. Changes apply to new referrals; links follow the allowed hosts at once.`;
  $("save").textContent = "Save changes";
  $("state-row").hidden = false;
  document.title = `${p.name} · Referral program · Rapport`;
}

form.addEventListener("input", refresh);
form.addEventListener("change", refresh);
form.addEventListener("click", (e) => {
  const t = e.target as HTMLElement;
  if (t.id === "add-tier") addTier();
  else if (t.dataset.removeTier !== undefined) t.closest(".tier")?.remove();
  else return;
  refresh();
});

let current: Program | null = null;
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  $("program-saved").textContent = "";
  const { body, errors } = read();
  if (showFieldErrors(form, errors)) return;
  const save = $("save") as HTMLButtonElement;
  save.disabled = true;
  try {
    const saved = current
      ? await ok(
          api.PATCH("/api/v1/programs/{id}", {
            params: { path: { id: current.id } },
            body: { ...body, state: ($("state") as HTMLSelectElement).value as Program["state"] },
          }),
        )
      : await ok(api.POST("/api/v1/programs", { body }));
    showFieldErrors(form, {});
    const created = !current;
    current = saved;
    editMode(saved);
    history.replaceState(null, "", `?id=${encodeURIComponent(saved.id)}`);
    sessionStorage.setItem("rapport.referrals.program", saved.id);
    $("program-saved").innerHTML =
      `${created ? "Created" : "Saved"}. <a href="../links/?program=${encodeURIComponent(saved.id)}">Enrol referrers and make links</a>`;
  } catch (err) {
    showFieldErrors(form, apiFieldErrors(err, fieldOf, "program-result"));
  } finally {
    save.disabled = false;
  }
});

if (editing) {
  await withRetry(form.parentElement as HTMLElement, async () => {
    current = await ok(api.GET("/api/v1/programs/{id}", { params: { path: { id: editing } } }));
    fill(current);
    editMode(current);
    refresh();
  });
} else {
  addTier({ minQualified: 1, reward: { kind: "credit", amount: 2000, currency: "USD" } });
  $("referee").innerHTML =
    `<div class="reward-row">${rewardFields("referee", { kind: "discount", percent: 20 }, true)}</div>`;
}
refresh();
