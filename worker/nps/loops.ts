// What an answer sets off: promoters (9-10) are asked to refer, detractors (0-6) get a follow-up.
import type { OutgoingEmail } from "../emails/index.ts";

export type AnswerLoop = "invite-to-refer" | "follow-up" | null;

/** The loop an answer starts: a promoter with marketing consent is invited when the survey names a program. */
export function loopOf(a: {
  score: number;
  programId: string | null;
  marketingConsent: boolean;
  email: string | null;
}) {
  if (a.score <= 6) return "follow-up";
  if (a.score >= 9 && a.programId && a.marketingConsent && a.email) return "invite-to-refer";
  return null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The promoter's email: their own referral link, once per contact and program (the key), as
 * marketing mail, so consent, quiet hours, the weekly cap and an incident pause apply at delivery.
 */
export function promoterEmail(
  contact: { id: string; email: string; name: string | null },
  program: { id: string; name: string },
  link: string,
): OutgoingEmail {
  const hello = contact.name ? `Hi ${contact.name.split(/\s+/)[0]},` : "Hi,";
  const lines = [
    hello,
    "Thank you for the great score! If you know someone who would like us too, here is your own link to share:",
  ];
  return {
    to: contact.email,
    contactId: contact.id,
    subject: "Thanks! Here is your link to share",
    html: `${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("")}<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p style="color:#5b6470;font-size:12px">${escapeHtml(program.name)}</p>`,
    text: `${lines.join("\n\n")}\n\n${link}\n\n${program.name}\n`,
    topic: "marketing",
    idempotencyKey: `nps-promoter:${program.id}:${contact.id}`,
  };
}
