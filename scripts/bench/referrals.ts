import type { BenchContext, BenchSuite } from "./types.ts";

/** A seeded campaign link (db/seed/referrals.ts). */
const CODE = "PODCAST-DEVTALK";
const HIDDEN = `${CODE}-MOVED`;
const UA = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";

let before = 0;
let seq = 0;
let linkId = "";

async function clicksOf(ctx: BenchContext): Promise<number> {
  const row = await ctx.d1
    .prepare("SELECT count(*) AS n FROM referral_clicks WHERE link_id = ?")
    .bind(linkId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export const suite: BenchSuite = {
  scenarios: [
    {
      name: "GET /r/:code (warm)",
      path: `/r/${CODE}?utm_content=bench`,
      headers: { "user-agent": UA },
      // Every request from another address: each click is a distinct visitor to hash.
      perRequestHeaders: () => ({ "cf-connecting-ip": `198.51.${(seq >> 8) & 255}.${seq++ & 255}` }),
      okStatuses: [302],
      minRatio: 0.8,
      maxP99Ratio: 2,
      async before(ctx) {
        const link = await ctx.d1
          .prepare("SELECT id FROM referral_links WHERE code = ?")
          .bind(CODE)
          .first<{ id: string }>();
        if (!link) throw new Error(`seeded link ${CODE} is missing`);
        linkId = link.id;
        before = await clicksOf(ctx);
      },
      async beforeRound(ctx) {
        // Warm the isolate's cache (HEAD: not a click), then hide the code from D1: any
        // redirect under load that read D1 would now find nothing and answer 404. Per round,
        // because the cache entry lives 60 s and the rounds take longer: the PATCH (an update
        // through the API) drops the entry, so the warm-up loads it afresh.
        await ctx.d1.prepare("UPDATE referral_links SET code = ? WHERE id = ?").bind(CODE, linkId).run();
        const patch = await fetch(`${ctx.url}/api/v1/links/${linkId}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
          body: JSON.stringify({ disabled: false }),
        });
        if (!patch.ok) throw new Error(`link update answered ${patch.status}`);
        const warm = await fetch(`${ctx.url}/r/${CODE}`, { method: "HEAD", redirect: "manual" });
        if (warm.status !== 302) throw new Error(`warm-up answered ${warm.status}`);
        await ctx.d1.prepare("UPDATE referral_links SET code = ? WHERE id = ?").bind(HIDDEN, linkId).run();
      },
      async after(ctx, sent) {
        await ctx.d1.prepare("UPDATE referral_links SET code = ? WHERE id = ?").bind(CODE, linkId).run();
        // Every request was a human GET: each must be one click. autocannon counts only the
        // requests that completed in time; up to one per connection and run was still in flight.
        const expected = sent.requests;
        const inFlight = Number(process.env.BENCH_CONNECTIONS ?? 50) * sent.runs;
        const deadline = Date.now() + 120_000;
        let recorded = (await clicksOf(ctx)) - before;
        let last = -1;
        while (recorded < expected && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, recorded === last ? 1000 : 250));
          last = recorded;
          recorded = (await clicksOf(ctx)) - before;
        }
        const counted = recorded >= expected && recorded <= expected + inFlight;
        return {
          requests: sent.requests,
          clicksRecorded: recorded,
          // The code was absent from D1 for the whole load: a redirect that read D1 would have
          // answered 404 and recorded no click, so every request counted means none read D1.
          passNothingLost: counted,
          passZeroD1Reads: counted,
        };
      },
    },
  ],
};
