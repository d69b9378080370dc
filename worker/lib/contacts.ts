// Contacts: the people the host app names, shared by every capability (queries in store/contacts.ts).
export { contactUpsert, type Person, upsertContact } from "./store/contacts.ts";
