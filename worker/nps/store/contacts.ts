// The shared contacts, as NPS needs them: who a link names, and where an invitation goes.
import { eq } from "drizzle-orm";
import { contacts } from "../../../db/schema/index.ts";
import { type Db, inJson } from "../../lib/db.ts";
import { notFound } from "../../lib/problem.ts";

export async function requireContact(db: Db, id: string) {
  const contact = await db.query.contacts.findFirst({ where: eq(contacts.id, id) });
  if (!contact) throw notFound("No such contact");
  return contact;
}

export function contactEmails(db: Db, ids: string[]) {
  return db.select({ id: contacts.id, email: contacts.email }).from(contacts).where(inJson(contacts.id, ids));
}
