// Contacts as emails sees them: template variables, search, timeline, export and erase.
import { eq } from "drizzle-orm";
import { contacts } from "../../db/schema/index.ts";
import type { Db } from "../lib/db.ts";
import { notFound } from "../lib/problem.ts";
import type { ContactVars } from "./render.ts";

const SAMPLE: ContactVars = {
  id: "ct_sample",
  externalId: "sample-user",
  email: "ada@example.com",
  name: "Ada Lovelace",
  timezone: "Europe/London",
  traits: { first_name: "Ada", plan: "pro", role: "engineer", industry: "software", goal: "ship faster" },
};

/** The contact's template variables, or a sample contact when none is named. */
export async function contactVarsOrSample(db: Db, contactId?: string): Promise<ContactVars> {
  if (!contactId) return SAMPLE;
  const c = await db.query.contacts.findFirst({ where: eq(contacts.id, contactId) });
  if (!c) throw notFound("No such contact");
  return c;
}
