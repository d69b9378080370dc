/** What the Referrals pages share: the program picker, rewards in words, and field errors in words. */
import { ApiError, api, esc, ok, problemText, type Schemas } from "../lib/api";

export type RewardSpec = Schemas["RewardSpec"];
export type Program = Schemas["Program"];

export const $ = (id: string) => document.getElementById(id) as HTMLElement;

/** ISO 4217 decimals of a currency (2 for USD, 0 for JPY), as the API's minor units count them. */
export function decimals(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 10 ** decimals(currency));
  } catch {
    return `${minor} ${currency}`;
  }
}

/** A reward as a customer reads it: "a $20.00 credit", "20% off", "the dark-mode feature". */
export function rewardText(r: RewardSpec): string {
  if (r.kind === "credit") return `a ${money(r.amount, r.currency)} credit`;
  if (r.kind === "discount") return `${r.percent}% off`;
  return `the ${r.feature} feature`;
}

const PROGRAM_KEY = "rapport.referrals.program";

/**
 * Fills the program picker (newest first) and selects the program named by `?program=`, else the
 * last one chosen, else the newest; remembers each choice. Returns the programs.
 */
export async function pickProgram(select: HTMLSelectElement): Promise<Program[]> {
  const { data } = await ok(api.GET("/api/v1/programs", { params: { query: { limit: 200 } } }));
  select.innerHTML = data
    .map((p) => `<option value="${esc(p.id)}">${esc(p.name)}${p.state === "archived" ? " (archived)" : ""}</option>`)
    .join("");
  const wanted = new URLSearchParams(location.search).get("program") ?? sessionStorage.getItem(PROGRAM_KEY);
  if (wanted && data.some((p) => p.id === wanted)) select.value = wanted;
  select.addEventListener("change", () => sessionStorage.setItem(PROGRAM_KEY, select.value));
  if (select.value) sessionStorage.setItem(PROGRAM_KEY, select.value);
  return data;
}

/** Copies `text` and says so on the button for a moment. */
export async function copyText(button: HTMLElement, text: string) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed: select the text";
  }
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}

/** Saves `content` as a file the browser downloads. */
export function download(name: string, content: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * A validation message as shown next to its field: the API names the field ("email must be an
 * email address"), which the field's label already does, so the name is dropped; older wording
 * from zod ("expected string, received undefined") is rephrased.
 */
export function inWords(message: string): string {
  if (/received undefined|required/i.test(message)) return "Required.";
  const named = /^[a-z][\w.[\]]* ((?:must|has) .*)$/.exec(message);
  if (named) return inWords(named[1]);
  const small = /Too small: expected (\w+) to (?:have )?>=?\s*(\d+)/.exec(message);
  if (small)
    return small[1] === "string"
      ? "Required."
      : `Must be at least ${small[2]}${small[1] === "array" ? " item(s)" : ""}.`;
  const big = /Too big: expected (\w+) to (?:have )?<=?\s*(\d+)/.exec(message);
  if (big) return `Must be at most ${big[2]}${big[1] === "string" ? " characters" : ""}.`;
  if (/expected int/i.test(message)) return "Must be a whole number.";
  if (/expected number/i.test(message)) return "Must be a number.";
  if (/Invalid email/i.test(message)) return "Must be an email address.";
  if (/Invalid (input|option)/i.test(message)) return "Not one of the allowed values.";
  return message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".");
}

/**
 * Field errors next to their fields. `errors` maps a field's id to its message; a field gets
 * `aria-invalid` and is described by the message, so screen readers say why too.
 */
export function showFieldErrors(form: HTMLElement, errors: Record<string, string>) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const summary of form.querySelectorAll<HTMLElement>(".form-error")) summary.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const described = (el.getAttribute("aria-describedby") ?? "").replace(/\S+-error\b/g, "").trim();
    if (described) el.setAttribute("aria-describedby", described);
    else el.removeAttribute("aria-describedby");
  }
  let first: HTMLElement | null = null;
  for (const [id, message] of Object.entries(errors)) {
    const field = document.getElementById(id);
    if (!field) continue;
    if (field.classList.contains("form-error")) {
      field.textContent = message; // the form's own line: what belongs to no one field
      continue;
    }
    const note = Object.assign(document.createElement("p"), {
      id: `${id}-error`,
      className: "field-error error",
      textContent: message,
    });
    field.after(note);
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") ?? ""} ${note.id}`.trim());
    first ??= field;
  }
  first?.focus();
  return Object.keys(errors).length;
}

/**
 * A refused request's field errors, placed by `fieldOf` (the API's path, e.g. `body.allowedHosts.0`,
 * to a field id); what has no field goes to `fallback` with the problem's detail.
 */
export function apiFieldErrors(err: unknown, fieldOf: (path: string) => string | null, fallback: string) {
  const errors: Record<string, string> = {};
  if (err instanceof ApiError) {
    const loose: string[] = [];
    for (const e of err.problem.errors ?? []) {
      const id = fieldOf(e.path);
      if (id && document.getElementById(id)) errors[id] ??= inWords(e.message);
      else loose.push(inWords(e.message));
    }
    if (!Object.keys(errors).length || loose.length) errors[fallback] = [err.message, ...loose].join(" ");
  } else {
    errors[fallback] = err instanceof TypeError ? "Could not reach Rapport." : String(err);
  }
  return errors;
}

/**
 * Runs `load`; when it fails, says why in `where` with a Retry button that runs it again, so a
 * page never looks empty because a request failed.
 */
export async function withRetry(where: HTMLElement, load: () => Promise<void>): Promise<void> {
  where.querySelector(":scope > .list-error")?.remove();
  try {
    await load();
  } catch (e) {
    const box = Object.assign(document.createElement("div"), { className: "list-error" });
    box.setAttribute("role", "alert");
    const text = Object.assign(document.createElement("p"), { textContent: `Could not load: ${problemText(e)}` });
    const retry = Object.assign(document.createElement("button"), {
      type: "button",
      className: "secondary",
      textContent: "Retry",
    });
    retry.addEventListener("click", () => void withRetry(where, load));
    box.append(text, retry);
    where.prepend(box);
  }
}
