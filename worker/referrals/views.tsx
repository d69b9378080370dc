import type { RewardSpec } from "../../db/schema/referrals.ts";
import { Layout } from "../lib/html.tsx";
import type { ReferrerDashboard } from "./store/referrers.ts";

/** Unknown, disabled or malformed codes: a page, never a redirect. */
export function NotFoundPage() {
  return (
    <Layout title="Link not found">
      <main>
        <h1>This link doesn't lead anywhere</h1>
        <p class="muted">
          The referral link may have been mistyped, or it is no longer active. Check the code with whoever shared it.
        </p>
      </main>
    </Layout>
  );
}

export function describeReward(r: RewardSpec): string {
  if (r.kind === "credit") return `${(r.amount / 100).toFixed(2)} ${r.currency} credit`;
  if (r.kind === "discount") return `${r.percent}% discount`;
  return `Unlocks ${r.feature}`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const STATE_TEXT = {
  pending: "Waiting for your friend to qualify",
  held: "On hold",
  approved: "Approved",
  paid: "Paid",
  reversed: "Not rewarded",
} as const;

const REASONS: Record<string, string> = {
  hold_period: "Every reward waits out a hold period, in case the purchase is refunded.",
  monthly_cap: "You reached this month's limit of rewards.",
  below_first_tier: "Rewards start at a higher number of referrals.",
  refund_within_hold: "The purchase was refunded during the hold period.",
  chargeback_within_hold: "The payment was disputed during the hold period.",
  cancellation_within_hold: "The account was cancelled during the hold period.",
};

function why(r: ReferrerDashboard["rewards"][number], goal: string): string {
  if (r.state === "pending") return `Counts once your friend reaches ${goal}.`;
  if (r.state === "held") {
    if (r.flags.length) return "Our team is reviewing this referral before approving it.";
    return `${REASONS.hold_period} Clears on ${r.clearsAt ? day(r.clearsAt) : "review"}.`;
  }
  if (r.state === "reversed") return REASONS[r.reversedReason ?? ""] ?? "Reversed after review.";
  return "";
}

/** The referrer's own page: their funnel, the next tier, and each reward with its state and why. */
export function RewardsPage(props: { view: ReferrerDashboard; url: string }) {
  const v = props.view;
  const goal =
    v.qualifyingEvent.type === "event" ? v.qualifyingEvent.event : `active after ${v.qualifyingEvent.days} days`;
  return (
    <Layout title={`Your referrals — ${v.programName}`}>
      <main>
        <h1>Your referrals</h1>
        <p>
          Share your link: <code>{props.url}</code>
        </p>
        <table aria-label="Your funnel">
          <tbody>
            <tr>
              <th scope="row">Clicks</th>
              <td>{v.clicks}</td>
            </tr>
            <tr>
              <th scope="row">Sign-ups</th>
              <td>{v.signups}</td>
            </tr>
            <tr>
              <th scope="row">Qualified ({goal})</th>
              <td>{v.qualified}</td>
            </tr>
          </tbody>
        </table>
        <h2>Next tier</h2>
        {v.next ? (
          <p>
            {v.next.remaining} more qualified {v.next.remaining === 1 ? "referral" : "referrals"} to reach tier{" "}
            {v.next.tier}
            {v.next.label ? ` (${v.next.label})` : ""}: {describeReward(v.next.reward)}.
          </p>
        ) : (
          <p>You reached the top tier. Thank you!</p>
        )}
        <h2>Rewards</h2>
        {v.rewards.length ? (
          <table>
            <thead>
              <tr>
                <th>Reward</th>
                <th>State</th>
                <th>Why</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {v.rewards.map((r) => (
                <tr>
                  <td>{describeReward(r.reward)}</td>
                  <td>
                    <span class="badge">{STATE_TEXT[r.state]}</span>
                  </td>
                  <td>{why(r, goal)}</td>
                  <td style="white-space:nowrap">{day(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No rewards yet. They appear here as soon as someone signs up through your link.</p>
        )}
      </main>
    </Layout>
  );
}
