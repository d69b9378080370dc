import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { chunk } from "../../worker/lib/db.ts";
import { CODE_ALPHABET, DISPOSABLE_DOMAINS } from "../../worker/referrals/index.ts";
import {
  contacts,
  type RewardPolicy,
  type RewardState,
  referralAttributions,
  referralClicks,
  referralConversions,
  referralLinks,
  referralPrograms,
  referralReferrers,
  referralRewardEvents,
  referralRewards,
} from "../schema/index.ts";
import { DAY, type SeedContext } from "./context.ts";

const FIRST = [
  "Ada",
  "Grace",
  "Alan",
  "Linus",
  "Margaret",
  "Ken",
  "Barbara",
  "Dennis",
  "Radia",
  "Edsger",
  "Frances",
  "John",
];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Torvalds",
  "Hamilton",
  "Thompson",
  "Liskov",
  "Ritchie",
  "Perlman",
  "Dijkstra",
];
const COUNTRIES = [
  ["US", "New York"],
  ["GB", "London"],
  ["DE", "Berlin"],
  ["FR", "Paris"],
  ["IN", "Bengaluru"],
  ["BR", "São Paulo"],
  ["JP", "Tokyo"],
  ["CA", "Toronto"],
] as const;
const SOURCES = [null, null, "twitter", "newsletter", "linkedin", "mastodon", "podcast"] as const;
const DEVICES = ["desktop", "desktop", "mobile", "mobile", "mobile", "tablet"] as const;

const FRIENDS: RewardPolicy = {
  referrer: {
    tiers: [
      { minQualified: 1, label: "Supporter", reward: { kind: "feature", feature: "custom-domains" } },
      { minQualified: 5, label: "Advocate", reward: { kind: "credit", amount: 2500, currency: "USD" } },
      { minQualified: 25, label: "Champion", reward: { kind: "credit", amount: 10000, currency: "USD" } },
    ],
  },
  referee: { kind: "discount", percent: 20 },
  monthlyCap: 10,
  holdDays: 30,
  velocity: { perReferrerPerDay: 20, perVisitorPerDay: 3 },
};
const PARTNERS: RewardPolicy = {
  referrer: {
    tiers: [{ minQualified: 1, label: "Partner", reward: { kind: "credit", amount: 5000, currency: "USD" } }],
  },
  referee: { kind: "credit", amount: 2000, currency: "USD" },
  monthlyCap: null,
  holdDays: 14,
  velocity: { perReferrerPerDay: 50, perVisitorPerDay: 3 },
};

const FLAGS = ["self_referral_email_alias", "disposable_email", "velocity_referrer", "self_referral_visitor"];

/**
 * Inserts rows as one JSON parameter per statement (`INSERT … SELECT … FROM json_each(?)`):
 * tens of thousands of rows in a few dozen statements instead of thousands.
 */
async function insertJson<T extends SQLiteTable>(ctx: SeedContext, table: T, rows: T["$inferInsert"][], label: string) {
  const columns = Object.entries(getTableColumns(table));
  const names = sql.raw(columns.map(([, c]) => `"${c.name}"`).join(", "));
  const values = sql.raw(columns.map(([k]) => `value ->> '$.${k}'`).join(", "));
  const statements = chunk(rows, 1000).map((part) => {
    const encoded = part.map((row) =>
      Object.fromEntries(
        columns.map(([k, c]) => {
          const given = (row as Record<string, unknown>)[k];
          const v = given === undefined && c.default !== undefined && !is(c.default, SQL) ? c.default : given;
          return [k, v === undefined || v === null ? null : c.mapToDriverValue(v)];
        }),
      ),
    );
    return ctx.db.run(sql`INSERT INTO ${table} (${names}) SELECT ${values} FROM json_each(${JSON.stringify(encoded)})`);
  });
  for (const s of statements) await s;
  ctx.log(`${label}: ${rows.length}`);
}

/** Demo data for referrals: two programs, 300 referrers, ~30k clicks over 90 days, rewards in every state. */
export async function seedReferrals(ctx: SeedContext): Promise<void> {
  const { now, int, pick, rng } = ctx;
  const id = (prefix: string, i: number) => `${prefix}_seed${String(i).padStart(6, "0")}`;
  const code = () => Array.from({ length: 8 }, () => pick([...CODE_ALPHABET])).join("");
  const created = now - 120 * DAY;
  const programs = [
    {
      id: "prg_seed_friends",
      name: "Friends of Acme",
      allowedHosts: ["acme.example", "www.acme.example"],
      defaultDestination: "https://acme.example/signup",
      windowDays: 90,
      attributionModel: "last_click" as const,
      rewardPolicy: FRIENDS,
      qualifyingEvent: { type: "event" as const, event: "first_payment" },
      createdAt: created,
      updatedAt: created,
    },
    {
      id: "prg_seed_partners",
      name: "Acme partners",
      allowedHosts: ["acme.example"],
      defaultDestination: "https://acme.example/partners/welcome",
      windowDays: 60,
      attributionModel: "first_click" as const,
      rewardPolicy: PARTNERS,
      qualifyingEvent: { type: "active_after_days" as const, days: 30 },
      createdAt: created,
      updatedAt: created,
    },
  ];
  await ctx.insertMany(referralPrograms, programs, "referral programs");

  const people: (typeof contacts.$inferInsert)[] = [];
  const referrers: (typeof referralReferrers.$inferInsert)[] = [];
  const links: (typeof referralLinks.$inferInsert)[] = [];
  const weights: number[] = [];
  const codes = new Set<string>();
  const uniqueCode = () => {
    let c = code();
    while (codes.has(c)) c = code();
    codes.add(c);
    return c;
  };
  for (let i = 0; i < 300; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const at = created + int(0, 100) * DAY;
    people.push({
      id: id("ct_ref", i),
      externalId: `demo-referrer-${i}`,
      email: `${first}.${last}${i}@example.com`.toLowerCase(),
      name: `${first} ${last}`,
      firstSeenAt: at,
      lastSeenAt: now - int(0, 20) * DAY,
    });
    const programId = i < 200 ? programs[0].id : programs[1].id;
    referrers.push({ id: id("rfr", i), programId, contactId: id("ct_ref", i), createdAt: at });
    links.push({
      id: id("lnk", i),
      programId,
      kind: "referral",
      code: uniqueCode(),
      referrerId: id("rfr", i),
      utm: {},
      createdAt: at,
      updatedAt: at,
    });
    weights.push(1 / (1 + (i % 200)) ** 0.9); // a few power referrers, a long tail
  }
  const campaigns = [
    [
      "PODCAST-DEVTALK",
      "Dev Talk podcast",
      "/podcast",
      { utm_source: "podcast", utm_medium: "audio", utm_campaign: "devtalk" },
    ],
    [
      "NEWSLETTER-NOV",
      "November newsletter",
      "/pricing",
      { utm_source: "newsletter", utm_medium: "email", utm_campaign: "nov" },
    ],
    [
      "CONF-BOOTH",
      "Conference booth",
      "/welcome",
      { utm_source: "conference", utm_medium: "qr", utm_campaign: "booth" },
    ],
  ] as const;
  campaigns.forEach(([c, name, path, utm], i) => {
    codes.add(c);
    links.push({
      id: id("lnk_cmp", i),
      programId: programs[0].id,
      kind: "campaign",
      code: c,
      name,
      destination: `https://acme.example${path}`,
      utm: { ...utm },
      createdAt: created,
      updatedAt: created,
    });
    weights.push(0.6);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const pickLink = () => {
    let x = rng() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x <= 0) return i;
    }
    return weights.length - 1;
  };

  // Clicks over the last 90 days, growing towards today; ~8% repeat visits within the hour.
  const clicks: (typeof referralClicks.$inferInsert)[] = [];
  const lastHash = new Map<string, string>(); // a repeat visit reuses the link's previous visitor
  for (let i = 0; i < 30_000; i++) {
    const l = links[pickLink()];
    const age = Math.floor(90 * DAY * rng() ** 1.3);
    const at = now - age + int(0, DAY - 1) - DAY;
    const [country, city] = pick(COUNTRIES);
    const duplicate = rng() < 0.08;
    const hash = `seed${i.toString(16).padStart(28, "0")}`;
    clicks.push({
      id: `clk_seed${String(i).padStart(8, "0")}_${l.code}`,
      linkId: l.id as string,
      programId: l.programId,
      referrerId: l.referrerId ?? null,
      at,
      country,
      city,
      device: pick(DEVICES),
      referrerHost: pick([null, "t.co", "www.linkedin.com", "mail.google.com", "mastodon.social"]),
      utmSource: l.utm?.utm_source ?? pick(SOURCES),
      utmMedium: l.utm?.utm_medium ?? null,
      utmCampaign: l.utm?.utm_campaign ?? null,
      visitorHash: duplicate && lastHash.has(l.code) ? (lastHash.get(l.code) as string) : hash,
      duplicate: duplicate && lastHash.has(l.code),
      byReferrer: false,
    });
    lastHash.set(l.code, clicks[i].visitorHash as string);
  }

  // Sign-ups from ~6% of clicks; rewards in every state depending on age.
  const customers: (typeof contacts.$inferInsert)[] = [];
  const attributions: (typeof referralAttributions.$inferInsert)[] = [];
  const conversions: (typeof referralConversions.$inferInsert)[] = [];
  const rewards: (typeof referralRewards.$inferInsert)[] = [];
  const events: (typeof referralRewardEvents.$inferInsert)[] = [];
  const qualifiedCount = new Map<string, number>();
  const sorted = clicks.filter((c) => !c.duplicate && rng() < 0.065).sort((a, b) => a.at - b.at);
  sorted.forEach((click, i) => {
    const program = click.programId === programs[0].id ? programs[0] : programs[1];
    const policy = program.rewardPolicy;
    const signedUpAt = click.at + int(5, 72 * 60) * 60_000;
    if (signedUpAt >= now) return;
    const customerId = id("ct_cus", i);
    const disposable = rng() < 0.02;
    customers.push({
      id: customerId,
      externalId: `demo-customer-${i}`,
      email: disposable ? `user${i}@${pick([...DISPOSABLE_DOMAINS])}` : `customer${i}@example.org`,
      name: `${pick(FIRST)} ${pick(LAST)}`,
      firstSeenAt: signedUpAt,
      lastSeenAt: Math.min(now, signedUpAt + int(0, 60) * DAY),
    });
    const qualifyDelay = program === programs[0] ? int(0, 20) * DAY + int(0, DAY) : 30 * DAY + int(0, 3) * DAY;
    const qualifiedAt = rng() < 0.5 && signedUpAt + qualifyDelay < now ? signedUpAt + qualifyDelay : null;
    const attId = id("att", i);
    attributions.push({
      id: attId,
      programId: program.id,
      customerId,
      referrerId: click.referrerId,
      linkId: click.linkId,
      clickId: click.id,
      visitorHash: click.visitorHash,
      utmSource: click.utmSource,
      signedUpAt,
      qualifiedAt,
      createdAt: signedUpAt,
    });
    conversions.push({
      id: id("cnv", 2 * i),
      programId: program.id,
      attributionId: attId,
      customerId,
      event: "signup",
      occurredAt: signedUpAt,
      createdAt: signedUpAt,
    });
    if (qualifiedAt) {
      const event = program === programs[0] ? "first_payment" : "login";
      conversions.push({
        id: id("cnv", 2 * i + 1),
        programId: program.id,
        attributionId: attId,
        customerId,
        event,
        amount: event === "first_payment" ? pick([1900, 4900, 9900]) : null,
        currency: event === "first_payment" ? "USD" : null,
        occurredAt: qualifiedAt,
        createdAt: qualifiedAt,
      });
    }
    if (!click.referrerId) return;
    const referrerContact = `ct_ref_seed${click.referrerId.slice(-6)}`;
    const n = (qualifiedCount.get(click.referrerId) ?? 0) + (qualifiedAt ? 1 : 0);
    qualifiedCount.set(click.referrerId, n);
    const tierIndex = policy.referrer.tiers.findLastIndex((t) => n >= t.minQualified);
    const flags = disposable ? ["disposable_email"] : rng() < 0.03 ? [pick(FLAGS)] : [];
    for (const side of ["referrer", "referee"] as const) {
      const rid = id(side === "referrer" ? "rwd_rr" : "rwd_re", i);
      const reward = side === "referee" ? policy.referee : policy.referrer.tiers[Math.max(0, tierIndex)].reward;
      if (!reward) continue;
      const history: Array<[RewardState, number, string]> = [["pending", signedUpAt, "signed_up"]];
      let state: RewardState = "pending";
      let holdReason: string | null = null;
      let clearsAt: number | null = null;
      let reversedReason: string | null = null;
      if (qualifiedAt) {
        const clears = qualifiedAt + policy.holdDays * DAY;
        const refunded = rng() < 0.05;
        holdReason = flags.length ? `review: ${flags.join(", ")}` : "hold_period";
        history.push(["held", qualifiedAt, holdReason]);
        state = "held";
        clearsAt = flags.length ? null : clears;
        if (refunded) {
          state = "reversed";
          reversedReason = "refund_within_hold";
          history.push(["reversed", Math.min(now - 1, qualifiedAt + int(1, policy.holdDays) * DAY), reversedReason]);
        } else if (!flags.length && clears < now) {
          state = "approved";
          clearsAt = null;
          history.push(["approved", clears, "hold_cleared"]);
          if (clears + 10 * DAY < now && rng() < 0.7) {
            state = "paid";
            history.push(["paid", clears + int(1, 10) * DAY, "payout"]);
          }
        }
      }
      rewards.push({
        id: rid,
        programId: program.id,
        attributionId: attId,
        referrerId: click.referrerId,
        contactId: side === "referrer" ? referrerContact : customerId,
        side,
        tier: side === "referrer" && qualifiedAt ? Math.max(1, tierIndex + 1) : null,
        reward,
        state,
        flags: qualifiedAt ? flags : [],
        holdReason: state === "held" ? holdReason : null,
        clearsAt,
        reversedReason,
        createdAt: signedUpAt,
        updatedAt: history[history.length - 1][1],
      });
      history.forEach(([to, at, reason], h) => {
        events.push({
          id: `${rid}_e${h}`,
          rewardId: rid,
          fromState: h ? history[h - 1][0] : null,
          toState: to,
          reason,
          actor: to === "paid" ? "key:key_local_admin" : "system",
          at,
        });
      });
    }
  });

  await insertJson(ctx, contacts, [...people, ...customers], "referral contacts");
  await insertJson(ctx, referralReferrers, referrers, "referrers");
  await insertJson(ctx, referralLinks, links, "referral links");
  await insertJson(ctx, referralClicks, clicks, "clicks");
  await insertJson(ctx, referralAttributions, attributions, "attributions");
  await insertJson(ctx, referralConversions, conversions, "conversions");
  await insertJson(ctx, referralRewards, rewards, "rewards");
  await insertJson(ctx, referralRewardEvents, events, "reward history");
  ctx.log(`${clicks.length} clicks, ${attributions.length} referred sign-ups, ${rewards.length} rewards`);
}
