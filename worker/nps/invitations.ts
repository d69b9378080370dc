// Who a survey email goes to, and what it says.
import type { OutgoingEmail } from "../emails/index.ts";

export const SKIP_REASONS = ["unknown-contact", "no-email", "already-invited"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * Of the contacts asked for (each once), those to invite now, and why each other is not: unknown,
 * without an email address, or already invited to this survey.
 */
export function chooseInvitees(
  ids: string[],
  people: Array<{ id: string; email: string | null }>,
  invited: Array<{ contactId: string }>,
) {
  const skipped: Array<{ contactId: string; reason: SkipReason }> = [];
  const invite: Array<{ id: string; email: string }> = [];
  for (const id of ids) {
    const person = people.find((p) => p.id === id);
    if (!person) skipped.push({ contactId: id, reason: "unknown-contact" });
    else if (!person.email) skipped.push({ contactId: id, reason: "no-email" });
    else if (invited.some((a) => a.contactId === id)) skipped.push({ contactId: id, reason: "already-invited" });
    else invite.push({ id, email: person.email });
  }
  return { invite, skipped };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The survey email: eleven one-click score links (each opens a confirm page) and a plain-text twin. */
export function surveyEmail(
  survey: { id: string; name: string; question: string },
  contact: { id: string; email: string },
  links: Array<{ score: number; url: string }>,
): OutgoingEmail {
  const cells = links
    .map(
      (l) =>
        `<td style="padding:2px"><a href="${escapeHtml(l.url)}" style="display:inline-block;min-width:28px;padding:8px 4px;border:1px solid #c8ced6;border-radius:4px;text-align:center;text-decoration:none;color:#1b1f24">${l.score}</a></td>`,
    )
    .join("");
  return {
    to: contact.email,
    contactId: contact.id,
    subject: survey.question,
    html: `<p>${escapeHtml(survey.question)}</p><table role="presentation"><tr>${cells}</tr></table><p style="color:#5b6470;font-size:12px">0 = not at all likely, 10 = extremely likely. You can add a comment after choosing.</p>`,
    text: `${survey.question}\n\n${links.map((l) => `${l.score}: ${l.url}`).join("\n")}\n`,
    topic: "marketing",
    idempotencyKey: `nps-invite:${survey.id}:${contact.id}`,
  };
}
