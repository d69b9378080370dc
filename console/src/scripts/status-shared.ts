// What every status page of the console shares: the page being worked on, field errors shown
// next to their fields, and how many subscribers a change would notify.
import { type Answer, ApiError, api, esc, ok, problemText } from "../lib/api";

export type StatusPage = Answer<"/api/v1/status/pages">["data"][number];

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const CHOSEN = "rapport.statusPage";

type Component = Answer<"/api/v1/status/pages/{pageId}/components">["data"][number];

/** Every component of the page in display order, for menus and the overview: page after page. */
export async function allComponents(pageId: string): Promise<Component[]> {
  const out: Component[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(
      api.GET("/api/v1/status/pages/{pageId}/components", {
        params: { path: { pageId }, query: { limit: 200, cursor } },
      }),
    );
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/**
 * Fills the "Status page" select (#page-select) and calls `show` with the chosen page, now and on
 * each change; the choice is kept for the other status pages of the console. With no page yet,
 * #page-none says where to create one.
 */
export async function choosePage(show: (page: StatusPage, pages: StatusPage[]) => void, selectId?: string) {
  const select = $<HTMLSelectElement>("page-select");
  let pages: StatusPage[];
  try {
    pages = (await ok(api.GET("/api/v1/status/pages"))).data;
  } catch (e) {
    $("status-error").textContent = problemText(e);
    return [];
  }
  select.innerHTML = pages.map((p) => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join("");
  const wanted = selectId ?? sessionStorage.getItem(CHOSEN);
  if (wanted && pages.some((p) => p.id === wanted)) select.value = wanted;
  const choose = () => {
    const page = pages.find((p) => p.id === select.value);
    if (!page) return;
    sessionStorage.setItem(CHOSEN, page.id);
    const link = document.getElementById("public-link") as HTMLAnchorElement | null;
    if (link) link.href = `/status/${encodeURIComponent(page.slug)}`;
    show(page, pages);
  };
  select.onchange = choose;
  const none = document.getElementById("page-none");
  if (none) none.hidden = pages.length > 0;
  select.closest("p")?.toggleAttribute("hidden", !pages.length);
  if (pages.length) choose();
  return pages;
}

/** The form field a problem's path names (`body.url` → the field named `url`), if the form has it. */
function fieldFor(form: HTMLFormElement, path: string): HTMLElement | null {
  const parts = path.split(".").slice(1);
  for (let n = parts.length; n > 0; n--) {
    const el = form.querySelector<HTMLElement>(`[name="${CSS.escape(parts.slice(0, n).join("."))}"]`);
    if (el) return el;
  }
  return null;
}

/** Removes the errors `showErrors` put next to the form's fields. */
export function clearErrors(form: HTMLFormElement) {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const by = (el.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => !id.endsWith("-error"));
    if (by.length) el.setAttribute("aria-describedby", by.join(" "));
    else el.removeAttribute("aria-describedby");
  }
}

/**
 * Shows a failed request: each field's message in words right after its field (which is marked
 * invalid and described by it), and the rest in `result`.
 */
export function showErrors(form: HTMLFormElement, result: HTMLElement, e: unknown) {
  clearErrors(form);
  const rest: string[] = [];
  const errors = e instanceof ApiError ? (e.problem.errors ?? []) : [];
  for (const err of errors) {
    const field = fieldFor(form, err.path);
    if (!field?.id) {
      rest.push(`${err.path}: ${err.message}`);
      continue;
    }
    const note = Object.assign(document.createElement("p"), {
      id: `${field.id}-error`,
      className: "error field-error",
      textContent: err.message,
    });
    field.after(note);
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") ?? ""} ${note.id}`.trim());
  }
  const head = e instanceof ApiError ? e.message : problemText(e);
  result.textContent = [head, ...rest].join(" — ");
  result.className = "bad";
  (form.querySelector<HTMLElement>("[aria-invalid]") ?? result).focus?.();
}

/** Says a form was saved. */
export function saved(form: HTMLFormElement, result: HTMLElement, text: string) {
  clearErrors(form);
  result.textContent = text;
  result.className = "ok";
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Who a change naming these components would notify, as a sentence for the confirmation
 * (null when nobody would be told).
 */
export async function audienceSentence(pageId: string, componentIds: string[]): Promise<string | null> {
  const n = await ok(
    api.GET("/api/v1/status/pages/{pageId}/audience", {
      params: { path: { pageId }, query: { componentIds: componentIds.join(",") } },
    }),
  );
  if (!n.total) return null;
  const parts = [
    n.email ? `emails ${plural(n.email, "subscriber", "subscribers")}` : "",
    n.webhook ? `calls ${plural(n.webhook, "webhook", "webhooks")}` : "",
  ].filter(Boolean);
  return `It ${parts.join(" and ")}.`;
}

/** Reads a form's named fields as trimmed strings (empty ones left out). */
export function formFields(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) {
    const s = String(v).trim();
    if (s) out[k] = s;
  }
  return out;
}

/** Copies text to the clipboard from a button, saying so on the button for a moment. */
export function copyButton(button: HTMLButtonElement, text: () => string) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  });
}
