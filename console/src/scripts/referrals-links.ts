/** Referrers (one, or many from a CSV) and campaign links with UTM, copy and a QR code. */
import { renderSVG } from "uqr";
import { type Answer, ApiError, api, esc, fmt, ok, problemText } from "../lib/api";
import { list } from "../lib/list";
import {
  $,
  apiFieldErrors,
  copyText,
  download,
  inWords,
  type Program,
  pickProgram,
  showFieldErrors,
  withRetry,
} from "./referrals-shared";

type Link = Answer<"/api/v1/links">["data"][number];
const programSelect = $("program") as HTMLSelectElement;
const val = (id: string) => ($(id) as HTMLInputElement).value.trim();
let programs: Program[] = [];
const program = () => programs.find((p) => p.id === programSelect.value);

const shareButtons = (url: string, code: string) =>
  `<span class="actions"><button type="button" class="secondary" data-copy="${esc(url)}" aria-label="Copy link ${esc(code)}">Copy</button>
  <button type="button" class="secondary" data-qr="${esc(url)}" data-code="${esc(code)}" aria-label="QR code for ${esc(code)}">QR code</button></span>`;

const referrers = list({
  body: $("referrers"),
  empty: "No referrers yet: enrol one above.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/programs/{id}/referrers", {
        params: { path: { id: programSelect.value }, query: { limit: 50, cursor: cursor ?? undefined } },
      }),
    ),
  row: (r) => `<tr data-referrer="${esc(r.id)}"><td>${esc(r.name ?? r.email ?? r.externalId)}
      ${r.name && r.email ? `<br><span class="muted">${esc(r.email)}</span>` : ""}</td>
      <td><a href="${esc(r.url)}" rel="noopener">${esc(r.url)}</a> ${shareButtons(r.url, r.code)}</td>
      <td>${fmt.int(r.clicks)}</td><td>${fmt.int(r.signups)}</td><td>${fmt.int(r.qualified)}</td>
      <td>${esc(fmt.date(r.createdAt))}</td></tr>`,
});

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
  row: (
    l,
  ) => `<tr data-link="${esc(l.id)}" data-url="${esc(l.url)}"><td><code>${esc(l.code)}</code><br><span class="muted">${esc(l.url)}</span></td>
      <td>${esc(l.name ?? "")}</td><td>${esc(l.redirectsTo ?? l.destination ?? "")}</td><td>${esc(linkStatus(l))}</td>
      <td>${shareButtons(l.url, l.code)}</td></tr>`,
});

// Enrol one referrer.
const enrolForm = $("enrol-form") as HTMLFormElement;
enrolForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  $("enrolled").textContent = "";
  if (!val("r-id") && showFieldErrors(enrolForm, { "r-id": "Enter the customer's id in your app." })) return;
  const customer = { id: val("r-id"), email: val("r-email") || undefined, name: val("r-name") || undefined };
  try {
    const r = await ok(
      api.POST("/api/v1/programs/{id}/referrers", {
        params: { path: { id: programSelect.value } },
        body: { customer },
      }),
    );
    showFieldErrors(enrolForm, {});
    $("enrolled").innerHTML =
      `Enrolled ${esc(r.name ?? r.email ?? r.externalId)}: <a href="${esc(r.url)}" data-testid="new-referral-link">${esc(r.url)}</a> ${shareButtons(r.url, r.code)}`;
    enrolForm.reset();
    await referrers.reload();
  } catch (err) {
    const field = (p: string) =>
      ({ "body.customer.id": "r-id", "body.customer.email": "r-email", "body.customer.name": "r-name" })[p] ?? null;
    showFieldErrors(enrolForm, apiFieldErrors(err, field, "enrol-error"));
  }
});

/** RFC 4180 lines: fields split on commas, quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (quoted) cell += c;
    else if (c === ",") endCell();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
    } else cell += c;
  }
  if (cell || row.length) endRow();
  return rows.filter((r) => r.some((v) => v.trim()));
}

/** Why one line was refused, field by field in words ("email: Must be an email address."). */
function rowProblem(err: unknown): string {
  const fields = err instanceof ApiError ? (err.problem.errors ?? []) : [];
  if (!fields.length) return problemText(err);
  return fields.map((f) => `${f.path.replace(/^body\.customer\./, "")}: ${inWords(f.message)}`).join(" ");
}

const csvForm = $("csv-form") as HTMLFormElement;
csvForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = ($("csv-file") as HTMLInputElement).files?.[0];
  if (!file) return void showFieldErrors(csvForm, { "csv-file": "Choose a CSV file." });
  const [header = [], ...rows] = parseCsv(await file.text());
  const col = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name);
  const [idCol, emailCol, nameCol] = [col("id"), col("email"), col("name")];
  if (idCol < 0)
    return void showFieldErrors(csvForm, { "csv-file": "The first line must name an id column (id,email,name)." });
  showFieldErrors(csvForm, {});
  const body = $("csv-results");
  $("csv-results-box").hidden = false;
  body.innerHTML = "";
  let enrolled = 0;
  for (const [i, r] of rows.entries()) {
    const cell = (c: number) => (c >= 0 ? (r[c] ?? "").trim() : "") || undefined;
    const customer = { id: cell(idCol) ?? "", email: cell(emailCol), name: cell(nameCol) };
    let result: string;
    let good = false;
    if (!customer.id) result = "No id on this line.";
    else {
      try {
        const ref = await ok(
          api.POST("/api/v1/programs/{id}/referrers", {
            params: { path: { id: programSelect.value } },
            body: { customer },
          }),
        );
        result = `Enrolled: ${ref.url}`;
        good = true;
        enrolled++;
      } catch (err) {
        result = rowProblem(err);
      }
    }
    body.insertAdjacentHTML(
      "beforeend",
      `<tr><td>${i + 2}</td><td>${esc(customer.id || "—")}</td><td class="${good ? "ok" : "error"}">${esc(result)}</td></tr>`,
    );
  }
  $("csv-summary").textContent = `${enrolled} of ${rows.length} enrolled.`;
  await referrers.reload();
});

// Campaign links: the UTM builder and its preview.
const UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"] as const;
const linkForm = $("link-form") as HTMLFormElement;
function utm() {
  return Object.fromEntries(UTM.map((k) => [k, val(k)]).filter(([, v]) => v)) as Partial<
    Record<(typeof UTM)[number], string>
  >;
}
function preview() {
  const p = program();
  const raw = val("l-destination");
  let url: URL | null = null;
  try {
    url = p ? new URL(raw || p.defaultDestination, p.defaultDestination) : null;
  } catch {}
  if (url) for (const [k, v] of Object.entries(utm())) url.searchParams.set(k, v);
  $("utm-preview").textContent = url ? url.toString() : "—";
}
linkForm.addEventListener("input", preview);
linkForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  $("link-saved").textContent = "";
  const errors: Record<string, string> = {};
  if (!val("l-name")) errors["l-name"] = "Name the link so you know it in reports.";
  if (!val("l-destination")) errors["l-destination"] = "Where should it go? A path such as /pricing, or an https URL.";
  if (showFieldErrors(linkForm, errors)) return;
  try {
    const l = await ok(
      api.POST("/api/v1/programs/{id}/links", {
        params: { path: { id: programSelect.value } },
        body: { name: val("l-name"), destination: val("l-destination"), code: val("l-code") || undefined, utm: utm() },
      }),
    );
    showFieldErrors(linkForm, {});
    $("link-saved").innerHTML = `Created <a href="${esc(l.url)}">${esc(l.url)}</a> ${shareButtons(l.url, l.code)}`;
    linkForm.reset();
    preview();
    await links.reload();
  } catch (err) {
    const field = (p: string) =>
      p.startsWith("body.utm.")
        ? p.slice(9)
        : ({ "body.name": "l-name", "body.destination": "l-destination", "body.code": "l-code" }[p] ?? null);
    showFieldErrors(linkForm, apiFieldErrors(err, field, "link-error"));
  }
});

// Copy and QR buttons, wherever a link is shown.
const qr = $("qr-dialog") as HTMLDialogElement;
let qrFile = { name: "", svg: "" };
document.addEventListener("click", (e) => {
  const t = e.target as HTMLElement;
  if (t.dataset.copy) void copyText(t, t.dataset.copy);
  if (t.dataset.qr) {
    // Made here in the browser: the link never leaves the console.
    const svg = renderSVG(t.dataset.qr, { ecc: "M", border: 2 });
    qrFile = { name: `${t.dataset.code ?? "link"}-qr.svg`, svg };
    $("qr-svg").innerHTML = svg;
    $("qr-svg").querySelector("svg")?.setAttribute("role", "img");
    $("qr-svg").querySelector("svg")?.setAttribute("aria-label", `QR code for ${t.dataset.qr}`);
    $("qr-url").textContent = t.dataset.qr;
    qr.showModal();
  }
});
$("qr-download").addEventListener("click", () => download(qrFile.name, qrFile.svg, "image/svg+xml"));

async function load() {
  if (!programSelect.value) return;
  preview();
  await Promise.all([referrers.reload(), links.reload()]);
}
programSelect.addEventListener("change", load);
await withRetry($("pick"), async () => {
  programs = await pickProgram(programSelect);
  $("no-program").hidden = programs.length > 0;
  for (const f of [enrolForm, csvForm, linkForm]) f.hidden = !programs.length;
  await load();
});
