// Pruning changes no figure: every number the console, the KPIs, the timelines and the triggers
// show is the same before and after retention. A file of its own: retention runs of other tests
// at later simulated times would seal days this test still writes to.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "./helpers.ts";
import { figures, retentionAt, tickIn, world } from "./retention-support.ts";

describe("retention", () => {
  it("archives and prunes raw rows past their windows, and no figure changes", async () => {
    const w = await world();
    const before = await figures(w);
    expect(before.trigger).toMatchObject({ sent: 2, opened: 1, converted: 1 });
    expect((before.stats as { totals: { clicks: number } }).totals.clicks).toBe(3);

    // 100 days on: past every default window (events 7, messages 30, clicks the programs' 90).
    const run = await retentionAt(tickIn(100));
    expect(run.error).toBeNull();
    for (const table of ["referral_clicks", "email_events", "email_messages"]) {
      expect(run.pruned[table], table).toBeGreaterThan(0);
      expect(run.archived[table], table).toBeGreaterThan(0);
    }
    const left = await db().all<{ clicks: number; events: number; messages: number }>(sql`SELECT
      (SELECT count(*) FROM referral_clicks WHERE program_id = ${w.program.id}) AS clicks,
      (SELECT count(*) FROM email_events WHERE contact_id = ${w.buyer}) AS events,
      (SELECT count(*) FROM email_messages WHERE trigger_id = ${w.triggerId}) AS messages`);
    expect(left[0]).toEqual({ clicks: 0, events: 0, messages: 0 });

    expect(await figures(w)).toEqual(before);
  });
});
