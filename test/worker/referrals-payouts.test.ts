import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { referralRewardEvents, referralRewards, webhookEvents } from "../../db/schema/index.ts";
import { call, db, newKey, problem } from "./helpers.ts";
import { type ConversionResult, convert, enroll, newProgram } from "./referrals-support.ts";

let u = 0;
const uniq = (p: string) => `${p}-${Date.now()}-${++u}`;
const CREDIT = { kind: "credit", amount: 2000, currency: "USD" };

/** A program whose rewards are approved at once (no hold), and one referral through `referrer`. */
async function approvedProgram(key: string, overrides: Record<string, unknown> = {}) {
  return newProgram(key, {
    rewardPolicy: { referrer: { tiers: [{ minQualified: 1, reward: CREDIT }] }, referee: null, holdDays: 0 },
    ...overrides,
  });
}

async function refer(key: string, code: string, customer: Record<string, unknown>) {
  const res = await convert(key, { event: "signup", customer, code });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as ConversionResult).conversions[0];
}

type Person = { externalId: string; email: string | null; name: string | null };
type ReviewItem = {
  id: string;
  referrer: Person & { code: string };
  referee: Person;
  recipient: Person;
  evidence: Array<{ rule: string; title: string; detail: string; facts: Record<string, unknown> }>;
};

describe("the review queue", () => {
  it("names the referrer and the referee and shows what each rule saw", async () => {
    const key = await newKey(["referrals"]);
    const p = await approvedProgram(key, {
      rewardPolicy: {
        referrer: { tiers: [{ minQualified: 1, reward: CREDIT }] },
        holdDays: 0,
        velocity: { perReferrerPerDay: 1, perVisitorPerDay: 3 },
      },
    });
    const r = await enroll(key, p.id, { id: uniq("ada"), email: "ada@example.com", name: "Ada Lovelace" });
    await refer(key, r.code, { id: uniq("first"), email: "first@example.org", name: "First" });
    const alias = await refer(key, r.code, { id: uniq("alias"), email: "ada+2@example.com", name: "Ada Again" });
    expect(alias.rewards[0].state).toBe("held");

    const res = await call(`/api/v1/rewards/review?programId=${p.id}`, { key });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: ReviewItem[] };
    expect(data).toHaveLength(1);
    const item = data[0];
    expect(item.id).toBe(alias.rewards[0].id);
    expect(item.referrer).toMatchObject({ email: "ada@example.com", name: "Ada Lovelace", code: r.code });
    expect(item.referee).toMatchObject({ email: "ada+2@example.com", name: "Ada Again" });
    expect(item.recipient).toEqual({
      externalId: item.referrer.externalId,
      email: "ada@example.com",
      name: "Ada Lovelace",
    });
    const byRule = Object.fromEntries(item.evidence.map((e) => [e.rule, e]));
    expect(Object.keys(byRule).sort()).toEqual(["self_referral_email_alias", "velocity_referrer"]);
    expect(byRule.self_referral_email_alias.detail).toBe(
      "ada@example.com and ada+2@example.com deliver to the same mailbox once the +tag is removed.",
    );
    expect(byRule.velocity_referrer.detail).toBe(
      "1 sign-up came through this referrer in the 24 hours before this one; the program allows 1 a day.",
    );
    expect(byRule.velocity_referrer.facts).toMatchObject({ signups: 1, limit: 1 });
  });

  it("explains a disposable domain", async () => {
    const key = await newKey(["referrals"]);
    const p = await approvedProgram(key);
    const r = await enroll(key, p.id, { id: uniq("grace"), email: "grace@example.com" });
    await refer(key, r.code, { id: uniq("temp"), email: "someone@mailinator.com" });
    const { data } = (await (await call(`/api/v1/rewards/review?programId=${p.id}`, { key })).json()) as {
      data: ReviewItem[];
    };
    expect(data[0].evidence).toEqual([
      {
        rule: "disposable_email",
        title: "Disposable email domain",
        detail: "The referee's address is at mailinator.com, a disposable email service.",
        facts: { refereeEmail: "someone@mailinator.com", domain: "mailinator.com" },
      },
    ]);
  });
});

describe("paying rewards", () => {
  it("marks approved rewards paid in bulk, says why the others were not, and changes nothing twice", async () => {
    const key = await newKey(["referrals"]);
    const p = await approvedProgram(key);
    const r = await enroll(key, p.id, { id: uniq("payer"), email: "payer@example.com" });
    const a = await refer(key, r.code, { id: uniq("c1"), email: "c1@example.org" });
    const b = await refer(key, r.code, { id: uniq("c2"), email: "c2@example.org" });
    const held = await refer(key, r.code, { id: uniq("c3"), email: "c3@mailinator.com" });
    const [ra, rb, rh] = [a, b, held].map((c) => c.rewards[0].id);
    expect([a, b, held].map((c) => c.rewards[0].state)).toEqual(["approved", "approved", "held"]);

    const pay = (ids: string[]) => call("/api/v1/rewards/pay", { method: "POST", key, json: { ids, note: "run 12" } });
    const res = await pay([ra, rb, rh, "rwd_nope"]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      paid: 2,
      results: [
        { id: ra, paid: true, state: "paid", detail: null },
        { id: rb, paid: true, state: "paid", detail: null },
        { id: rh, paid: false, state: "held", detail: "A held reward cannot be paid" },
        { id: "rwd_nope", paid: false, state: null, detail: "No such reward" },
      ],
    });
    const again = (await (await pay([ra])).json()) as { paid: number; results: Array<{ detail: string }> };
    expect(again.paid).toBe(0);
    expect(again.results[0].detail).toBe("A paid reward cannot be paid");

    const history = await db()
      .select()
      .from(referralRewardEvents)
      .where(inArray(referralRewardEvents.rewardId, [ra, rb]));
    expect(history.filter((h) => h.toState === "paid").map((h) => h.reason)).toEqual(["run 12", "run 12"]);
    const hooks = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "reward.paid"));
    expect(hooks.filter((h) => [ra, rb].includes((h.payload as { id: string }).id))).toHaveLength(2);
    const [still] = await db().select().from(referralRewards).where(eq(referralRewards.id, rh));
    expect(still.state).toBe("held");
  });

  it("refuses an empty or oversized selection with a readable message, and needs the referrals scope", async () => {
    const key = await newKey(["referrals"]);
    const empty = await problem(
      await call("/api/v1/rewards/pay", { method: "POST", key, json: { ids: [] } }),
      400,
      "validation-failed",
    );
    expect(empty.errors).toMatchObject([{ path: "body.ids", message: "choose at least one reward" }]);
    const many = Array.from({ length: 101 }, (_, i) => `rwd_${i}`);
    const big = await problem(
      await call("/api/v1/rewards/pay", { method: "POST", key, json: { ids: many } }),
      400,
      "validation-failed",
    );
    expect(big.errors).toMatchObject([{ path: "body.ids", message: "at most 100 rewards at a time" }]);
    const other = await newKey(["feedback"]);
    await problem(
      await call("/api/v1/rewards/pay", { method: "POST", key: other, json: { ids: ["x"] } }),
      403,
      "forbidden",
    );
  });
});

describe("the payout CSV", () => {
  it("lists what is owed to whom, safe to open in a spreadsheet, and what was paid", async () => {
    const key = await newKey(["referrals"]);
    const p = await approvedProgram(key, {
      rewardPolicy: {
        referrer: { tiers: [{ minQualified: 1, reward: CREDIT }] },
        referee: { kind: "credit", amount: 500, currency: "JPY" },
        holdDays: 0,
      },
    });
    const r = await enroll(key, p.id, { id: uniq("csv"), email: "csv@example.com", name: "=HYPERLINK(1)" });
    const conv = await refer(key, r.code, { id: uniq("cust"), email: "cust@example.org", name: "Cust, Jr." });

    const res = await call(`/api/v1/rewards/payouts.csv?programId=${p.id}`, { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="payouts-approved-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe(
      "reward_id,program_id,state,state_since,side,recipient_id,recipient_email,recipient_name,reward_kind,amount,amount_minor,currency,percent,feature,tier,referrer_id,referrer_code,referee_id",
    );
    expect(lines).toHaveLength(4); // header, two rewards, the final CRLF
    // Both rewards come from one conversion, in either order.
    const refereeLine = lines.find((l) => l.includes(",referee,")) ?? "";
    const referrerLine = lines.find((l) => l.includes(",referrer,")) ?? "";
    const [referee, referrer] = [refereeLine, referrerLine].map((l) => l.split(","));
    expect(referee.slice(4, 12)).toEqual([
      "referee",
      referee[5],
      "cust@example.org",
      '"Cust',
      ' Jr."',
      "credit",
      "500",
      "500",
    ]);
    expect(refereeLine).toContain(',"Cust, Jr.",credit,500,500,JPY,,,,');
    expect(referrerLine).toContain(
      `,referrer,${referrer[5]},csv@example.com,'=HYPERLINK(1),credit,20.00,2000,USD,,,1,`,
    );
    expect(referrerLine).toContain(`,${r.code},`);

    await call("/api/v1/rewards/pay", { method: "POST", key, json: { ids: conv.rewards.map((x) => x.id) } });
    const owed = await (await call(`/api/v1/rewards/payouts.csv?programId=${p.id}`, { key })).text();
    expect(owed.split("\r\n")).toHaveLength(2); // nothing owed any more
    const paid = await (await call(`/api/v1/rewards/payouts.csv?programId=${p.id}&state=paid`, { key })).text();
    expect(paid.split("\r\n")).toHaveLength(4);
    await problem(await call("/api/v1/rewards/payouts.csv?state=held", { key }), 400, "validation-failed");
  });

  it("lists rewards with their recipient, referrer and referee", async () => {
    const key = await newKey(["referrals"]);
    const p = await approvedProgram(key);
    const r = await enroll(key, p.id, { id: uniq("list"), email: "list@example.com", name: "Lister" });
    await refer(key, r.code, { id: uniq("cust"), email: "listed@example.org", name: "Listed" });
    const { data } = (await (await call(`/api/v1/rewards?programId=${p.id}`, { key })).json()) as {
      data: ReviewItem[];
    };
    expect(data[0]).toMatchObject({
      recipient: { email: "list@example.com", name: "Lister" },
      referrer: { email: "list@example.com", code: r.code },
      referee: { email: "listed@example.org", name: "Listed" },
    });
  });
});
