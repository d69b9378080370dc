// The payout file: one line per reward to pay, with who receives it and what, for a spreadsheet or a payment run.
import type { RewardSpec } from "../../db/schema/index.ts";
import { toCsv } from "../lib/csv.ts";

type Person = { externalId: string; email: string | null; name: string | null };
export type PayoutRow = {
  id: string;
  programId: string;
  side: string;
  tier: number | null;
  reward: RewardSpec;
  state: string;
  updatedAt: number;
  recipient: Person;
  referrer: Person & { code: string | null };
  referee: Person;
};

const HEADER = [
  "reward_id",
  "program_id",
  "state",
  "state_since",
  "side",
  "recipient_id",
  "recipient_email",
  "recipient_name",
  "reward_kind",
  "amount",
  "amount_minor",
  "currency",
  "percent",
  "feature",
  "tier",
  "referrer_id",
  "referrer_code",
  "referee_id",
] as const;

/** An amount in major units ("12.50", "1250" yen) from minor units, by the currency's ISO 4217 decimals. */
function major(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {}
  return (minor / 10 ** digits).toFixed(digits);
}

export function payoutCsv(rows: PayoutRow[]): string {
  return toCsv(
    HEADER,
    rows.map((r) => [
      r.id,
      r.programId,
      r.state,
      new Date(r.updatedAt).toISOString(),
      r.side,
      r.recipient.externalId,
      r.recipient.email,
      r.recipient.name,
      r.reward.kind,
      r.reward.kind === "credit" ? major(r.reward.amount, r.reward.currency) : null,
      r.reward.kind === "credit" ? r.reward.amount : null,
      r.reward.kind === "credit" ? r.reward.currency : null,
      r.reward.kind === "discount" ? r.reward.percent : null,
      r.reward.kind === "feature" ? r.reward.feature : null,
      r.tier,
      r.referrer.externalId,
      r.referrer.code,
      r.referee.externalId,
    ]),
  );
}
