import { activityStatements } from "../../worker/emails/index.ts";
import { kpisAsOf, nps, pace, quarterOf, quarterRange, shiftQuarter, standingOn } from "../../worker/kpis/index.ts";
import {
  contacts,
  type Direction,
  KPI_IDS,
  type KpiId,
  kpiAlerts,
  kpiSnapshots,
  kpiTargets,
  marketingSpend,
  npsInvitations,
  npsResponses,
  npsSurveys,
  PILLARS,
  pillarAudits,
} from "../schema/index.ts";
import { DAY, progressBar, type SeedContext } from "./context.ts";

// NPS responses are drawn so each quarter ends near these; every KPI's history is then computed
// from the seeded data by `kpisAsOf`, as the daily snapshot job computes it.
const NPS_FINALS = [22, 28, 31, 38, 42];
const DIRECTION: Partial<Record<KpiId, Direction>> = { cac: "lower", churn: "lower" };
/** KPIs with quarterly targets, and by how much each quarter aimed to improve (share of the start). */
const TARGETED: Partial<Record<KpiId, number>> = {
  nps: 0.15,
  referral_conversion: 0.1,
  clv_cac: 0.08,
  retention: 0.03,
  cac: 0.06,
  feedback_implementation: 0.12,
  email_engagement: 0.06,
  repeat_purchase_rate: 0.08,
  community_activity: 0.1,
};
const OWNERS = ["maya@example.com", "jonas@example.com", "priya@example.com"];
const CHANNELS = { paid_search: 9000, paid_social: 6000, events: 4000, content: 2500, partnerships: 1500 };
const COMMENTS = {
  promoter: [
    "Support answered within minutes, every time.",
    "The referral rewards made it easy to bring my team.",
    "Roadmap updates show you listen.",
    "Just works. Setup took an afternoon.",
  ],
  passive: [
    "Good, but the reporting could go deeper.",
    "Pricing is fair; onboarding felt long.",
    "Solid. Missing a few integrations.",
  ],
  detractor: [
    "Billing emails were confusing.",
    "The feature I voted for is still not done.",
    "Too many emails last month.",
    "Outage in the middle of our launch.",
  ],
};

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

function shuffle<T>(items: T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function seedKpis(ctx: SeedContext): Promise<void> {
  const current = quarterOf(ctx.now);
  const quarters = [-4, -3, -2, -1, 0].map((i) => shiftQuarter(current, i));
  const start = quarterRange(quarters[0]).from;

  // People to answer surveys: the contacts other seeds made, topped up with demo ones.
  const known = await ctx.db.select({ id: contacts.id }).from(contacts).orderBy(contacts.id).limit(600);
  const extra = Array.from({ length: Math.max(0, 400 - known.length) }, (_, i) => ({
    id: `ct_kpisdemo${String(i).padStart(4, "0")}`,
    externalId: `kpis-demo-${i}`,
    email: `customer${i}@example.com`,
    name: `Customer ${i}`,
    firstSeenAt: start - 30 * DAY,
    lastSeenAt: ctx.now,
  }));
  await ctx.insertMany(contacts, extra, "contacts (NPS demo)");
  const people = [...known.map((k) => k.id), ...extra.map((e) => e.id)];

  // One relationship NPS survey a quarter, plus an always-on in-app one.
  const surveys = quarters.map((q, i) => ({
    id: `nps_seed_${q.replace("-", "").toLowerCase()}`,
    name: `${q} relationship NPS`,
    question: "How likely are you to recommend us to a friend or colleague?",
    closedAt: i < 4 ? quarterRange(q).to : null,
    createdAt: quarterRange(q).from,
  }));
  await ctx.insertMany(npsSurveys, surveys, "NPS surveys");
  const responses: Array<typeof npsResponses.$inferInsert> = [];
  const invitations: Array<typeof npsInvitations.$inferInsert> = [];
  quarters.forEach((q, qi) => {
    const r = quarterRange(q);
    const until = Math.min(r.to, ctx.now);
    const share = (until - r.from) / (r.to - r.from);
    const target = NPS_FINALS[qi] / 100;
    const [pPromoter, pDetractor] = [(0.75 + target) / 2, (0.75 - target) / 2];
    // Exact segment counts so each quarter ends on its planned NPS; who says what is random.
    const n = Math.round(ctx.int(150, 180) * share);
    const promoters = Math.round(n * pPromoter);
    const detractors = Math.round(n * pDetractor);
    // About 55% of those emailed answer.
    const emailed = shuffle(people, ctx.rng).slice(0, Math.min(people.length, Math.round(n * 1.8)));
    for (const contactId of emailed) invitations.push({ surveyId: surveys[qi].id, contactId, sentAt: r.from + DAY });
    const pool = emailed.slice(0, n);
    for (const [i, contactId] of pool.entries()) {
      const score = i < promoters ? ctx.int(9, 10) : i < promoters + detractors ? ctx.int(0, 6) : ctx.int(7, 8);
      const segment = score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";
      responses.push({
        id: `npr_seed_${qi}_${String(i).padStart(4, "0")}`,
        surveyId: surveys[qi].id,
        contactId,
        score,
        comment: ctx.rng() < 0.35 ? ctx.pick(COMMENTS[segment]) : null,
        channel: "email",
        respondedAt: r.from + Math.floor(ctx.rng() * (until - r.from)),
      });
    }
  });
  await ctx.insertMany(npsInvitations, invitations, "NPS invitations");
  await ctx.insertMany(npsResponses, responses, "NPS responses");
  // Each answer on the contact graph, by the statements an answer's own batch runs.
  const answered = responses.map((r) => ({
    contactId: r.contactId,
    event: "nps_answered",
    key: `nps_answered:${r.surveyId}:${r.contactId}`,
    at: r.respondedAt as number,
    properties: { surveyId: r.surveyId, score: r.score, channel: r.channel },
  }));
  for (const statement of activityStatements(ctx.db, answered, ctx.now)) await statement;

  // Spend first: CAC reads it.
  await ctx.insertMany(
    marketingSpend,
    quarters.flatMap((q, qi) =>
      Object.entries(CHANNELS).map(([channel, base]) => ({
        id: `spd_seed_${qi}_${channel}`,
        quarter: q,
        channel,
        amount: Math.round(base * (0.9 + qi * 0.05) * (0.9 + ctx.rng() * 0.2)),
        note: channel === "events" && qi === 2 ? "Annual conference booth" : null,
        updatedAt: quarterRange(q).from,
      })),
    ),
    "marketing spend",
  );

  // History: quarter-to-date values by the same computation as the live ones.
  const computed = await history(ctx, quarters);
  const series = new Map<KpiId, Map<number, number | null>>(
    KPI_IDS.map((kpi) => [kpi, new Map([...computed].map(([day, r]) => [day, r[kpi].value]))]),
  );
  const npsAt = (q: string, end: number) => {
    const from = quarterRange(q).from;
    return nps(
      responses.filter((r) => (r.respondedAt as number) >= from && (r.respondedAt as number) < end).map((r) => r.score),
    ).value;
  };
  // Each quarter's last computed value (the running quarter's: yesterday's).
  const finals = (kpi: KpiId): Array<number | null> =>
    quarters.map((q) => {
      const days = [...(series.get(kpi) ?? [])].filter(([day]) => quarterOf(day) === q);
      return days.at(-1)?.[1] ?? null;
    });

  // This quarter's NPS target, aimed so that today's forecast misses it by more than the 10%
  // tolerance while the better end of its interval reaches it: at risk (without an interval, 17%
  // short). None when there is no NPS yet (a quarter's first day).
  const atRiskTarget = (q: string, startValue: number): number | null => {
    const today = Math.floor(ctx.now / DAY) * DAY;
    const value = npsAt(q, ctx.now);
    if (value === null) return null;
    const earlier = [...(series.get("nps") ?? [])]
      .filter(([day]) => day < today)
      .map(([day, v]) => ({ day, value: v }));
    const f = standingOn("nps", today, value, earlier, undefined).forecast;
    if (!f) return null;
    const aim = f.high !== null && f.high > f.value ? (f.value + f.high) / 2 / 0.9 : f.value / 0.83;
    const t = round(aim, 1);
    const status = pace({ startValue, target: t, direction: "higher" }, value, quarterRange(q), today + DAY, f).status;
    return status === "at_risk" ? t : null;
  };

  // Targets: the start is the last quarter's result, the target a step better. The past
  // quarters then come out met or missed as the business did; this quarter's NPS is set at risk.
  const targets: Array<typeof kpiTargets.$inferInsert> = [];
  for (const [kpi, step] of Object.entries(TARGETED) as Array<[KpiId, number]>) {
    const f = finals(kpi);
    const direction = DIRECTION[kpi] ?? "higher";
    const sign = direction === "higher" ? 1 : -1;
    quarters.forEach((q, qi) => {
      const final = f[qi];
      if (final === null) return;
      const startValue = (qi ? f[qi - 1] : null) ?? round(final * (1 - 0.05 * sign));
      // A third of the past targets overreach (missed); the rest are met with a little to spare.
      const missed = (Object.keys(TARGETED).indexOf(kpi) + qi) % 3 === 0;
      const moved = (final - startValue) * sign > 0;
      let target = moved
        ? round(startValue + (final - startValue) * (missed ? 1.4 : 0.8))
        : round(startValue + sign * Math.abs(startValue) * step);
      if (kpi === "nps" && q === current) target = atRiskTarget(q, startValue) ?? target;
      targets.push({
        id: `tgt_seed_${kpi}_${qi}`,
        kpi,
        quarter: q,
        startValue,
        target,
        direction,
        ownerEmail: OWNERS[qi % OWNERS.length],
        updatedAt: quarterRange(q).from,
      });
    });
  }
  await ctx.insertMany(kpiTargets, targets, "KPI targets");

  const snapshots: Array<typeof kpiSnapshots.$inferInsert> = [];
  for (const [kpi, values] of series) {
    for (const [day, value] of values) {
      const q = quarterOf(day);
      const t = targets.find((x) => x.kpi === kpi && x.quarter === q);
      // As the daily snapshot job judges it: the forecast from the days before (the quarter's, and the day before).
      const earlier = [...values]
        .filter(([d]) => d < day && d >= Math.min(quarterRange(q).from, day - DAY))
        .map(([d, v]) => ({ day: d, value: v }));
      const status = t
        ? (standingOn(kpi, day, value, earlier, t as typeof kpiTargets.$inferSelect).pacing?.status ?? null)
        : null;
      const inputs = computed.get(day)?.[kpi].inputs ?? {};
      snapshots.push({ kpi, day, value, inputs, status, computedAt: day + DAY });
    }
  }
  await ctx.insertMany(kpiSnapshots, snapshots, "KPI daily snapshots");

  // An alert where seeded NPS first slipped from on track to at risk this quarter.
  const npsDays = snapshots.filter((s) => s.kpi === "nps" && quarterOf(s.day) === current);
  const slip = npsDays.find((s, i) => i > 0 && s.status === "at_risk" && npsDays[i - 1].status === "on_track");
  if (slip) {
    await ctx.db
      .insert(kpiAlerts)
      .values({
        id: "kal_seed_nps",
        kpi: "nps",
        quarter: current,
        day: slip.day,
        recipient: OWNERS[4 % 3],
        createdAt: slip.day + DAY,
      })
      .onConflictDoNothing();
  }

  const audit = [
    [3, 2, 3, 2, 3],
    [3, 2, 3, 3, 3],
    [4, 3, 3, 2, 4],
    [4, 3, 4, 3, 4],
  ];
  const notes: Partial<Record<(typeof PILLARS)[number], string>> = {
    personalisation: "Emails still go out by segment, not by behaviour.",
    feedback_loops: "Voters rarely hear back when their idea ships.",
  };
  await ctx.insertMany(
    pillarAudits,
    audit.flatMap((scores, qi) =>
      PILLARS.map((pillar, pi) => ({
        quarter: quarters[qi],
        pillar,
        score: scores[pi],
        note: notes[pillar] ?? null,
        updatedAt: quarterRange(quarters[qi]).to - DAY,
      })),
    ),
    "pillar audits",
  );
  ctx.log(`KPI history from ${quarters[0]} to ${current}: ${snapshots.length} snapshots`);
}

/**
 * Every KPI as `kpisAsOf` computes it live, at the end of the days charts read: each Sunday of the
 * running quarter (the weekly sparkline), each quarter's last day (its outcome) and yesterday. A day
 * takes a second or more on the demo data, so the days between are left to the snapshot job.
 */
async function history(ctx: SeedContext, quarters: string[]) {
  const today = Math.floor(ctx.now / DAY) * DAY;
  const days = new Set<number>([today - DAY]);
  for (const q of quarters) days.add(Math.min(quarterRange(q).to, today) - DAY);
  for (let day = quarterRange(quarterOf(ctx.now)).from; day < today; day += DAY) {
    if (new Date(day).getUTCDay() === 0) days.add(day);
  }
  const out = new Map<number, Awaited<ReturnType<typeof kpisAsOf>>>();
  const bar = progressBar("KPI history", days.size);
  for (const day of [...days].sort((a, b) => a - b)) {
    out.set(day, await kpisAsOf(ctx.db, day));
    bar(out.size);
  }
  return out;
}
