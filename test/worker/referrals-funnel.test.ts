// Unique visitors never exceed clicks: both count the same (non-duplicate) clicks, for every day,
// source and the whole range, whatever the clicks are.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import type { ClickTuple } from "../../worker/referrals/schemas.ts";
import { call, newKey } from "./helpers.ts";
import { newProgram } from "./referrals-support.ts";

const MINUTE = 60_000;
let seq = 0;
async function deliver(clicks: ClickTuple[]) {
  const batch = createMessageBatch("rapport-jobs", [
    { id: `funnel-${++seq}`, timestamp: new Date(), attempts: 1, body: { kind: "referrals.clicks", clicks } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  await getQueueResult(batch, ctx);
}

const click = (program: string, link: string, visitor: string, at: number, source: string | null): ClickTuple => [
  `clk_${crypto.randomUUID().slice(0, 12)}`,
  link,
  program,
  null,
  at,
  null,
  null,
  "desktop",
  null,
  source,
  null,
  null,
  visitor,
  0,
];

type Funnel = { clicks: number; uniqueClicks: number };
type Stats = { totals: Funnel; byDay: Array<Funnel & { day: string }>; bySource: Array<Funnel & { source: string }> };

async function stats(key: string, program: string, from: string, to: string) {
  const res = await call(`/api/v1/programs/${program}/stats?from=${from}&to=${to}`, { key });
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

describe("referral funnel", () => {
  it("a repeat visit just after midnight is no click and no visitor of the new day", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    const midnight = Date.UTC(2031, 0, 2);
    await deliver([
      click(p.id, "lnk_a", "v1", midnight - MINUTE / 2, "mail"),
      click(p.id, "lnk_a", "v1", midnight + MINUTE / 2, "mail"),
    ]);
    const s = await stats(key, p.id, "2031-01-02", "2031-01-02");
    expect(s.totals).toMatchObject({ clicks: 0, uniqueClicks: 0 });
    const both = await stats(key, p.id, "2031-01-01", "2031-01-02");
    expect(both.totals).toMatchObject({ clicks: 1, uniqueClicks: 1 });
  });

  it("unique ≤ clicks for every day, source and the total, over 400 generated clicks", async () => {
    const key = await newKey(["referrals"]);
    const p = await newProgram(key);
    let a = 99;
    const r = () => {
      a = (a * 1_103_515_245 + 12_345) % 2_147_483_648;
      return a / 2_147_483_648;
    };
    const start = Date.UTC(2031, 2, 1);
    const clicks = Array.from({ length: 400 }, () =>
      click(
        p.id,
        `lnk_${Math.floor(r() * 4)}`,
        `v${Math.floor(r() * 30)}`,
        start + Math.floor(r() * 6 * 24 * 60) * MINUTE,
        [null, "mail", "x"][Math.floor(r() * 3)],
      ),
    );
    for (let i = 0; i < clicks.length; i += 50) await deliver(clicks.slice(i, i + 50));
    for (const [from, to] of [
      ["2031-03-01", "2031-03-06"],
      ["2031-03-02", "2031-03-03"],
      ["2031-03-04", "2031-03-04"],
    ]) {
      const s = await stats(key, p.id, from, to);
      expect(s.totals.clicks).toBeGreaterThan(0);
      for (const f of [s.totals, ...s.byDay, ...s.bySource]) {
        expect(f.uniqueClicks, JSON.stringify(f)).toBeLessThanOrEqual(f.clicks);
        expect(f.uniqueClicks).toBeGreaterThanOrEqual(f.clicks ? 1 : 0);
      }
    }
  });
});
