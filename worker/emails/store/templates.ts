// Templates: create, read, update, delete, render. A template that does not parse is refused before
// it is stored.
import { desc, eq, lt } from "drizzle-orm";
import { emailTemplates, emailTriggers } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import { badRequest, conflict, notFound } from "../../lib/problem.ts";
import { renderTemplate, type TemplateParts, templateErrors, templateVars } from "../render.ts";
import { contactVarsOrSample } from "./contacts.ts";

type TemplateInput = { name: string; subject: string; html: string; text: string };

function checkTemplate(t: TemplateInput) {
  const errors = templateErrors(t);
  if (errors.length) throw badRequest("The template does not parse", errors);
}

export async function listTemplates(db: Db, q: { limit: number; cursor?: string }) {
  return db
    .select()
    .from(emailTemplates)
    .where(q.cursor ? lt(emailTemplates.id, q.cursor) : undefined)
    .orderBy(desc(emailTemplates.id))
    .limit(q.limit + 1);
}

export async function getTemplateOrThrow(db: Db, id: string) {
  const t = await db.query.emailTemplates.findFirst({ where: eq(emailTemplates.id, id) });
  if (!t) throw notFound("No such template");
  return t;
}

/** A trigger's template must exist: a 400 on the trigger's body, not a 404. */
export async function requireTemplate(db: Db, id: string) {
  const t = await db.query.emailTemplates.findFirst({ where: eq(emailTemplates.id, id) });
  if (!t) throw badRequest("No such template", [{ path: "body.templateId", message: "no template has this id" }]);
}

export async function createTemplate(db: Db, input: TemplateInput, now = Date.now()) {
  checkTemplate(input);
  const [row] = await db
    .insert(emailTemplates)
    .values({ id: newId("tpl", now), ...input, createdAt: now, updatedAt: now })
    .returning();
  return row;
}

export async function updateTemplate(db: Db, id: string, patch: Partial<TemplateInput>, now = Date.now()) {
  const current = await getTemplateOrThrow(db, id);
  if (!changesOf(patch)) return current;
  checkTemplate({ ...current, ...patch });
  const [row] = await db
    .update(emailTemplates)
    .set({ ...patch, updatedAt: now })
    .where(eq(emailTemplates.id, id))
    .returning();
  return row;
}

export async function deleteTemplate(db: Db, id: string) {
  await getTemplateOrThrow(db, id);
  const used = await db.query.emailTriggers.findFirst({ where: eq(emailTriggers.templateId, id) });
  if (used) throw conflict("A trigger uses this template", { triggerId: used.id });
  await db.delete(emailTemplates).where(eq(emailTemplates.id, id));
}

type Extra = Parameters<typeof templateVars>[1];

/** Template `id` rendered for a contact (a sample contact when none is named). */
export async function renderTemplateFor(db: Db, id: string, contactId: string | undefined, extra: Extra) {
  return renderDraft(db, await getTemplateOrThrow(db, id), contactId, extra);
}

/** A template not saved yet, checked as a save would check it, rendered for a contact or the sample. */
export async function renderDraft(db: Db, t: TemplateParts, contactId: string | undefined, extra: Extra) {
  checkTemplate({ name: "draft", ...t });
  const contact = await contactVarsOrSample(db, contactId);
  return renderTemplate(t, templateVars(contact, extra));
}
