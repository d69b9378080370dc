// What subscribers are told of a change, and the email or webhook body that tells them.
import type { ComponentStatus, EventStatus, statusNotices } from "../../db/schema/index.ts";
import { xml as escapeText } from "../lib/xml.ts";
import type { Component, Impact, Incident, Notice, Page } from "./types.ts";

const words = (s: string) => s.replaceAll("_", " ");

/** A component's status changed outside any incident. */
export function componentChangedNotice(component: Component, to: ComponentStatus): Notice {
  return {
    pageId: component.pageId,
    type: "component.status_changed",
    componentIds: [component.id],
    subject: `${component.name}: ${words(to)}`,
    text: `${component.name} changed from ${words(component.status)} to ${words(to)}.`,
    payload: { componentId: component.id, oldStatus: component.status, newStatus: to },
  };
}

/** An incident opened (one created already resolved is history, not news: it has no notice). */
export function incidentCreatedNotice(
  incident: { id: string; pageId: string; name: string; status: string; impact: Impact },
  body: string,
  componentIds: string[],
): Notice {
  return {
    pageId: incident.pageId,
    type: "incident.created",
    componentIds,
    subject: `Incident: ${incident.name}`,
    text: `${incident.name} (${incident.impact} impact): ${incident.status}.\n\n${body}`,
    payload: { incidentId: incident.id, status: incident.status, impact: incident.impact },
  };
}

/** Subscribers hear every incident update, and maintenance when it starts and ends (null: not this one). */
export function updateNotice(
  incident: Incident,
  body: { status: EventStatus; body: string },
  componentIds: string[],
): Notice | null {
  const type =
    incident.kind === "incident"
      ? ("incident.updated" as const)
      : body.status === "in_progress"
        ? ("maintenance.started" as const)
        : body.status === "completed"
          ? ("maintenance.completed" as const)
          : null;
  if (!type) return null;
  const label = incident.kind === "incident" ? "Incident" : "Maintenance";
  return {
    pageId: incident.pageId,
    type,
    componentIds,
    subject: `${label} ${words(body.status)}: ${incident.name}`,
    text: `${incident.name}: ${words(body.status)}.\n\n${body.body}`,
    payload: { incidentId: incident.id, status: body.status },
  };
}

/** The email for a notice: every piece of incident text is escaped in the HTML part. */
export function emailFor(page: Page, base: string, subject: string, text: string, unsubscribeUrl: string) {
  const html = `<p>${escapeText(text).replaceAll("\n", "<br>")}</p><p><a href="${escapeText(`${base}/status/${page.slug}`)}">${escapeText(page.name)} status</a></p><p style="color:#666;font-size:12px"><a href="${escapeText(unsubscribeUrl)}">Unsubscribe</a></p>`;
  return { subject, html, text: `${text}\n\n${base}/status/${page.slug}\n\nUnsubscribe: ${unsubscribeUrl}` };
}

/** The double opt-in email: nothing else is sent until its link is used. */
export function confirmationEmail(page: Page, base: string, confirmUrl: string, unsubscribeUrl: string) {
  return emailFor(
    page,
    base,
    `Confirm your subscription to ${page.name} status`,
    `Confirm that you want updates about ${page.name}: ${confirmUrl}\n\nIf you did not ask for this, ignore this email.`,
    unsubscribeUrl,
  );
}

type StoredNotice = typeof statusNotices.$inferSelect;

/** A notice as a webhook subscriber receives it (signed by the sender). */
export function noticeWebhookBody(page: Page, notice: StoredNotice | null | undefined, now: number): string {
  return JSON.stringify({
    type: notice?.type,
    timestamp: new Date(notice?.createdAt ?? now).toISOString(),
    data: {
      page: { id: page.id, slug: page.slug, name: page.name },
      subject: notice?.subject,
      text: notice?.text,
      ...(notice?.payload as object),
    },
  });
}
