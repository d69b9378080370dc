import { ApiError, api, esc, fmt, ok, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { clearFieldErrors, showFieldErrors } from "./emails-form";

type Template = Schemas["Template"];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const editor = $("tpl-editor") as HTMLFormElement;
const previewForm = $("preview-form") as HTMLFormElement;
const testForm = $("test-form") as HTMLFormElement;
const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement;
const value = (form: HTMLFormElement, name: string) => field(form, name).value.trim();
/** Paths of the template's refusals (`html`, `template.html`) -> the editor's fields. */
const partOf = (path: string) => path.replace(/^template\./, "");

const templates = list({
  body: $("templates"),
  empty: "No templates yet: write one below.",
  load: (cursor) =>
    ok(api.GET("/api/v1/emails/templates", { params: { query: { limit: 50, cursor: cursor ?? undefined } } })),
  row: (t) => `<tr><td>${esc(t.name)}</td><td>${esc(t.subject)}</td>
    <td><time datetime="${new Date(t.updatedAt).toISOString()}">${esc(fmt.dateTime(t.updatedAt))}</time></td>
    <td><button class="secondary" data-edit="${esc(t.id)}" aria-label="Edit ${esc(t.name)}">Edit</button></td></tr>`,
});

// One page: the API lists every variable at once.
const variables = list({
  body: $("variables"),
  empty: "No variables.",
  load: () => ok(api.GET("/api/v1/emails/templates/variables")),
  row: (v) => `<tr><td><code>${esc(v.name)}</code></td><td>${esc(v.description)}</td><td>${esc(v.example)}</td></tr>`,
});

const draft = () => ({
  subject: value(editor, "subject"),
  html: field(editor, "html").value,
  text: field(editor, "text").value,
});

function edit(t: Template) {
  for (const name of ["id", "name", "subject", "html", "text"] as const) field(editor, name).value = t[name];
  clearFieldErrors(editor);
  $("tpl-result").textContent = "";
  editor.scrollIntoView();
}

editor.addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = value(editor, "id");
  const body = { name: value(editor, "name"), ...draft() };
  try {
    const saved = id
      ? await ok(api.PATCH("/api/v1/emails/templates/{id}", { params: { path: { id } }, body }))
      : await ok(api.POST("/api/v1/emails/templates", { body }));
    field(editor, "id").value = saved.id;
    clearFieldErrors(editor);
    $("tpl-result").textContent = `Saved “${saved.name}”.`;
    await templates.reload();
  } catch (err) {
    $("tpl-result").textContent = showFieldErrors(editor, err, partOf);
  }
});
editor.addEventListener("reset", () => {
  clearFieldErrors(editor);
  $("tpl-result").textContent = "";
});

/** The contact named in "Preview as", or undefined for the sample; null when none matches. */
async function chosenContact(): Promise<Schemas["Contact"] | undefined | null> {
  const q = value(previewForm, "contact");
  if (!q) return undefined;
  const { data } = await ok(api.GET("/api/v1/contacts", { params: { query: { q, limit: 1 } } }));
  return data[0] ?? null;
}

previewForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  clearFieldErrors(previewForm);
  $("pv-result").textContent = "Rendering…";
  try {
    const contact = await chosenContact();
    if (contact === null) {
      const q = value(previewForm, "contact");
      $("pv-result").textContent = showFieldErrors(previewForm, noContact(q), () => "contact", "Not rendered");
      return;
    }
    const r = await ok(
      api.POST("/api/v1/emails/templates/preview", { body: { template: draft(), contactId: contact?.id } }),
    );
    clearFieldErrors(editor);
    $("preview").hidden = false;
    $("pv-subject").textContent = r.subject;
    ($("pv-html") as HTMLIFrameElement).srcdoc = r.html;
    $("pv-text").textContent = r.text;
    $("pv-result").textContent =
      `Rendered for ${contact ? (contact.email ?? contact.externalId) : "a sample contact (Ada Lovelace)"}.`;
  } catch (err) {
    // The template's own refusals belong next to its fields in the editor.
    $("preview").hidden = true;
    $("pv-result").textContent = showFieldErrors(editor, err, partOf, "Not rendered");
  }
});

/** A refusal shaped like the API's, for a contact the search did not find. */
const noContact = (q: string) =>
  new ApiError({
    type: "about:blank",
    title: "No such contact",
    status: 404,
    errors: [{ path: "contact", message: `No contact's email or user id starts with “${q}”.` }],
  });

testForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  clearFieldErrors(testForm);
  const id = value(editor, "id");
  const to = value(testForm, "to");
  if (!id) {
    $("ts-result").textContent = "Save the template first: a test sends the saved version.";
    return;
  }
  const go = await confirmAction({
    title: `Send a test of “${value(editor, "name")}”?`,
    body: `The saved version is emailed to ${to || "(no address)"} now, rendered for the contact chosen above or the sample contact, with “[Test]” before its subject.`,
    action: "Send test",
  });
  if (!go) return;
  try {
    const contact = await chosenContact();
    await ok(
      api.POST("/api/v1/emails/templates/{id}/test", {
        params: { path: { id } },
        body: { to, contactId: contact?.id ?? undefined },
      }),
    );
    $("ts-result").textContent = `Test sent to ${to}: it shows in the outbox.`;
  } catch (err) {
    $("ts-result").textContent = showFieldErrors(testForm, err, (p) => p, "Not sent");
  }
});

$("templates").addEventListener("click", (e) => {
  const id = (e.target as HTMLElement).closest("button")?.dataset.edit;
  const t = templates.items().find((x) => x.id === id);
  if (t) edit(t);
});

await Promise.all([templates.reload(), variables.reload()]);
