import { call } from "./helpers.ts";

export const POLICY = {
  referrer: {
    tiers: [
      { minQualified: 1, label: "Starter", reward: { kind: "feature", feature: "dark-mode" } },
      { minQualified: 3, label: "Pro", reward: { kind: "credit", amount: 2000, currency: "USD" } },
    ],
  },
  referee: { kind: "discount", percent: 20 },
  monthlyCap: null,
  holdDays: 30,
};

export type Program = { id: string; allowedHosts: string[]; defaultDestination: string };

let n = 0;
/** A fresh program on app.example.com (other tests' data never collides with it). */
export async function newProgram(key: string, overrides: Record<string, unknown> = {}): Promise<Program> {
  const res = await call("/api/v1/programs", {
    method: "POST",
    key,
    json: {
      name: `Program ${++n}`,
      allowedHosts: ["app.example.com", "www.example.com"],
      defaultDestination: "https://app.example.com/signup?plan=free",
      rewardPolicy: POLICY,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`program: ${res.status} ${await res.text()}`);
  return (await res.json()) as Program;
}

export type Referrer = { id: string; code: string; url: string; contactId: string };

export async function enroll(key: string, programId: string, customer: Record<string, unknown>): Promise<Referrer> {
  const res = await call(`/api/v1/programs/${programId}/referrers`, { method: "POST", key, json: { customer } });
  if (res.status !== 200) throw new Error(`enroll: ${res.status} ${await res.text()}`);
  return (await res.json()) as Referrer;
}

let k = 0;
export async function convert(
  key: string,
  body: Record<string, unknown>,
  idempotencyKey = `idem-${Date.now()}-${++k}`,
) {
  return call("/api/v1/conversions", {
    method: "POST",
    key,
    headers: { "idempotency-key": idempotencyKey },
    json: { occurredAt: new Date().toISOString(), ...body },
  });
}

export type ConversionResult = {
  conversions: Array<{
    id: string;
    programId: string | null;
    attributionId: string | null;
    referrerId: string | null;
    attributed: boolean;
    reason: string | null;
    qualified: boolean;
    rewards: Array<{ id: string; side: string; state: string }>;
  }>;
};
