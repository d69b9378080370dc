/**
 * A refused save's field errors shown next to their fields, as the API words them: the field is
 * marked invalid and described by its message, for sighted and screen-reader users alike.
 */
import { ApiError, problemText } from "../lib/api";

export function clearFieldErrors(form: HTMLFormElement) {
  for (const hint of form.querySelectorAll(".field-error")) hint.remove();
  for (const field of form.querySelectorAll("[aria-invalid]")) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }
}

/**
 * Puts each error of `err` next to the field `fieldOf(path)` names; returns the form's own
 * message: what no visible field could show, or a pointer to the marked fields.
 */
export function showFieldErrors(
  form: HTMLFormElement,
  err: unknown,
  fieldOf: (path: string) => string | undefined,
  failed = "Not saved",
) {
  clearFieldErrors(form);
  const errors = err instanceof ApiError ? (err.problem.errors ?? []) : [];
  if (!errors.length) return `${failed}: ${problemText(err)}`;
  const rest: string[] = [];
  let first: HTMLElement | undefined;
  for (const e of errors) {
    const name = fieldOf(e.path.replace(/^body\./, ""));
    const field = name ? form.elements.namedItem(name) : null;
    if (!(field instanceof HTMLElement) || field.closest("[hidden]")) {
      rest.push(`${e.path.replace(/^body\./, "")}: ${e.message}`);
      continue;
    }
    const id = `${field.id}-error`;
    let hint = document.getElementById(id);
    if (!hint) {
      hint = Object.assign(document.createElement("p"), { id, className: "error field-error" });
      field.after(hint);
    }
    hint.textContent = hint.textContent ? `${hint.textContent} ${e.message}` : e.message;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", id);
    first ??= field;
  }
  first?.focus();
  return `${failed}: ${rest.length ? rest.join(" — ") : "see the marked fields."}`;
}
