// What a loop event (status change, merge, monthly digest) tells the people who follow it.
import type { FEEDBACK_EVENT_TYPES } from "../../db/schema/index.ts";
import type { OutgoingEmail } from "../emails/index.ts";

export type Recipient = { id: string; email: string | null; name: string | null };

const STATUS_LABEL: Record<string, string> = {
  under_review: "Under review",
  planned: "Planned",
  in_progress: "In progress",
  done: "Done",
  declined: "Declined",
  merged: "Merged",
};
export const statusLabel = (s: string) => STATUS_LABEL[s] ?? s;

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/** A loop event as stored in feedback_events; `key` makes it unique. */
export type LoopEvent = {
  type: (typeof FEEDBACK_EVENT_TYPES)[number];
  key: string;
  postId: string | null;
  payload: Record<string, unknown>;
};

type StatusPayload = { post: { title: string; url: string }; from: string; to: string; comment: string | null };
type MergePayload = { duplicate: { title: string }; original: { title: string; url: string } };
type DigestItem = { title: string; status: string; voteCount: number; votesThisMonth?: number };
type DigestPayload = { month: string; top: DigestItem[]; shipped: DigestItem[]; url: string };

const monthName = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleString("en", { month: "long", year: "numeric", timeZone: "UTC" });

/** The email an event becomes, from the stored payload alone (so a stored event can be sent later). */
export function noticeContent(e: LoopEvent): { subject: string; lines: string[]; url: string } | null {
  if (e.type === "feedback.status_changed") {
    const p = e.payload as StatusPayload;
    return {
      subject: `"${p.post.title.slice(0, 120)}" is now ${statusLabel(p.to)}`,
      lines: [
        `An idea you follow, "${p.post.title}", moved from ${statusLabel(p.from)} to ${statusLabel(p.to)}.`,
        ...(p.comment ? [p.comment] : []),
      ],
      url: p.post.url,
    };
  }
  if (e.type === "feedback.merged") {
    const p = e.payload as MergePayload;
    return {
      subject: `"${p.duplicate.title.slice(0, 120)}" was merged`,
      lines: [
        `An idea you voted for, "${p.duplicate.title}", was merged into "${p.original.title}". Your vote moved with it.`,
      ],
      url: p.original.url,
    };
  }
  if (e.type === "feedback.monthly_digest") {
    const p = e.payload as DigestPayload;
    const top = p.top.slice(0, 5);
    const shipped = p.shipped.slice(0, 10);
    if (!top.length && !shipped.length) return null; // nothing happened: no email
    const votes = (n: number) => `${n} vote${n === 1 ? "" : "s"}`;
    return {
      subject: `Feedback in ${monthName(p.month)}: ${shipped.length} shipped, ${top.length} top ideas`,
      lines: [
        `Here is what happened with the ideas on our boards in ${monthName(p.month)}.`,
        ...(shipped.length ? ["Shipped:", ...shipped.map((i) => `• ${i.title} (${votes(i.voteCount)})`)] : []),
        ...(top.length
          ? [
              "Most voted this month:",
              ...top.map((i) => `• ${i.title}: ${votes(i.votesThisMonth ?? i.voteCount)}, ${statusLabel(i.status)}`),
            ]
          : []),
      ],
      url: p.url,
    };
  }
  return null;
}

/** One product-update email per recipient with an address; the idempotency key is the event's key + contact. */
export function emailsFor(e: LoopEvent, recipients: Recipient[]): OutgoingEmail[] {
  const content = noticeContent(e);
  if (!content) return [];
  const { subject, lines, url } = content;
  return recipients
    .filter((r) => r.email)
    .map((r) => ({
      to: r.email as string,
      contactId: r.id,
      subject,
      text: `${lines.join("\n\n")}\n\n${url}`,
      html: `${lines.map((l) => `<p>${esc(l)}</p>`).join("")}<p><a href="${esc(url)}">${esc(url)}</a></p>`,
      topic: "product_updates",
      idempotencyKey: `${e.key}:${r.id}`,
    }));
}
