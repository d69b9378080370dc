// When a KPI slipped from on track to at risk, and the email that tells its owner.
import type { KpiId } from "../../db/schema/index.ts";
import type { OutgoingEmail } from "../emails/index.ts";
import { KPI_DEFINITIONS } from "./definitions.ts";
import type { PacingStatus, TargetRow } from "./pacing.ts";

type StatusRow = { kpi: KpiId; status: PacingStatus | string | null };

/**
 * The KPIs at risk on `day` that were on track the day before. The quarter's first day has no
 * day before in the same quarter, so it never alerts.
 */
export function slippedToAtRisk<R extends StatusRow>(
  rows: R[],
  previous: StatusRow[],
  day: number,
  quarterFrom: number,
) {
  return rows.filter(
    (r) => r.status === "at_risk" && previous.find((p) => p.kpi === r.kpi)?.status === "on_track" && day > quarterFrom,
  );
}

/** Who an alert goes to: the target's owner email, else its owner contact's email, else nobody. */
export function recipientOf(t: TargetRow, emails: Map<string, string>): string | null {
  return t.ownerEmail ?? (t.ownerContactId ? emails.get(t.ownerContactId) : undefined) ?? null;
}

export function alertEmail(
  kpi: KpiId,
  quarter: string,
  day: number,
  to: string,
  contactId: string | null,
): OutgoingEmail {
  const name = KPI_DEFINITIONS[kpi].name;
  const date = new Date(day).toISOString().slice(0, 10);
  const text = `${name} slipped from on track to at risk for ${quarter} (as of ${date}). Open the Rapport console to see its pacing and inputs.`;
  return {
    to,
    contactId: contactId ?? undefined,
    subject: `${name} is at risk for ${quarter}`,
    text,
    html: `<p>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`,
    topic: "transactional",
    idempotencyKey: `kpi-alert:${kpi}:${quarter}:${date}`,
  };
}
