import { type FEEDBACK_EVENT_TYPES, feedbackEvents } from "../../db/schema/index.ts";
import { emailStatements, type OutgoingEmail } from "../emails/index.ts";
import type { Db } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";

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

export type Notice = {
  type: (typeof FEEDBACK_EVENT_TYPES)[number];
  /** Unique per event: the same key twice writes nothing more. */
  key: string;
  postId: string | null;
  payload: Record<string, unknown>;
  subject: string;
  lines: string[];
  url: string;
};

/**
 * Batchable writes that close the loop: the event kept in feedback_events (so nothing is lost
 * while the email capability is absent) and one product-update email per recipient with an address,
 * through the emails contract (which checks consent). Idempotent by `notice.key`.
 */
export function noticeStatements(db: Db, notice: Notice, recipients: Recipient[], now = Date.now()) {
  const event = db
    .insert(feedbackEvents)
    .values({
      id: newId("fbe", now),
      key: notice.key,
      type: notice.type,
      postId: notice.postId,
      payload: notice.payload,
      recipients: recipients.map((r) => r.id),
      createdAt: now,
    })
    .onConflictDoNothing();
  const emails: OutgoingEmail[] = recipients
    .filter((r) => r.email)
    .map((r) => ({
      to: r.email as string,
      contactId: r.id,
      subject: notice.subject,
      text: `${notice.lines.join("\n\n")}\n\n${notice.url}`,
      html: `${notice.lines.map((l) => `<p>${esc(l)}</p>`).join("")}<p><a href="${esc(notice.url)}">${esc(notice.url)}</a></p>`,
      topic: "product_updates",
      idempotencyKey: `${notice.key}:${r.id}`,
    }));
  return [event, ...emailStatements(db, emails)];
}
