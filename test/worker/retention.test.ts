// Retention archives raw rows to R2 and prunes them, and remembers messageIds for its window.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailBodies } from "../../db/schema/index.ts";
import { retentionTasks } from "../../worker/jobs.ts";
import type { ArchiveBucket } from "../../worker/lib/archive.ts";
import { inJson } from "../../worker/lib/db.ts";
import { runRetention } from "../../worker/platform/retention.ts";
import { call, db, eventually, newKey } from "./helpers.ts";
import { archived, retentionAt, tickIn, track, uid, world } from "./retention-support.ts";

describe("retention", () => {
  it("keeps each pruned row in R2 as gzip NDJSON per table and day, readable with zlib and JSON.parse", async () => {
    const w = await world();
    const clickIds = (
      await db().all<{ id: string }>(sql`SELECT id FROM referral_clicks WHERE program_id = ${w.program.id}`)
    ).map((r) => r.id);
    const messageIds = w.messages.map((m) => m.id);
    await retentionAt(tickIn(101));
    const rows = await archived();
    const keyed = (id: string) => rows.find((r) => r.row.id === id && !r.key.startsWith("archive/email_bodies/"));
    const today = new Date().toISOString().slice(0, 10);
    for (const id of clickIds) {
      expect(keyed(id)?.key).toMatch(new RegExp(`^archive/referral_clicks/${today}/.+\\.ndjson\\.gz$`));
      expect(keyed(id)?.row).toMatchObject({ program_id: w.program.id });
    }
    for (const id of messageIds) expect(keyed(id)?.row).toMatchObject({ trigger_id: w.triggerId, state: "sent" });
    // The body went to the archive before it was emptied.
    expect(
      rows.some((r) => r.key.startsWith("archive/email_bodies/") && r.row.id === messageIds[0] && r.row.html),
    ).toBe(true);
    expect(rows.some((r) => r.row.message_id === `${w.buyerUser}-buy`)).toBe(true);
  });

  it("drops a finished message's body after the body window and keeps the message and its figures", async () => {
    const w = await world();
    const ids = w.messages.map((m) => m.id);
    const bodies = async () => db().$count(emailBodies, inJson(emailBodies.messageId, ids));
    expect(await bodies()).toBe(ids.length);
    // Past the 7-day body window, inside the 30-day message window.
    await retentionAt(tickIn(10));
    expect(await bodies()).toBe(0);
    for (const m of w.messages) {
      const res = await call(`/api/v1/emails/messages/${m.id}`, { key: w.admin });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        id: m.id,
        state: "sent",
        subject: m.subject,
        html: null,
        text: null,
        headers: null,
      });
    }
    const rows = await archived("archive/email_bodies/");
    for (const id of ids) expect(rows.find((r) => r.row.id === id)?.row.html).toEqual(expect.stringContaining("<a"));
  });

  it("forgets an erased contact in every archive object", async () => {
    const w = await world();
    await retentionAt(tickIn(102));
    const email = `${w.buyerUser}@example.com`;
    const mentions = (rows: Awaited<ReturnType<typeof archived>>) =>
      rows.filter((r) => JSON.stringify(r.row).includes(w.buyer) || JSON.stringify(r.row).includes(email));
    expect((await mentions(await archived())).length).toBeGreaterThan(0);
    const res = await call(`/api/v1/contacts/${w.buyer}`, { method: "DELETE", key: w.admin });
    expect(res.status).toBe(200);
    await eventually(async () => (await mentions(await archived())).length === 0, 20_000);
    // The other contact's rows stay.
    const other = w.messages.find((m) => m.contactId !== w.buyer)?.id as string;
    expect((await archived()).some((r) => r.row.id === other)).toBe(true);
  });

  it("remembers messageIds for the events window: a retry inside it is a no-op, after it a new event", async () => {
    const ingest = await newKey(["emails"]);
    const user = `dup-${uid()}`;
    const call1 = { type: "track", userId: user, event: "ping", messageId: `${user}-m` };
    const count = async () =>
      (
        await db().all<{ n: number }>(
          sql`SELECT count(*) AS n FROM email_events e JOIN contacts c ON c.id = e.contact_id WHERE c.external_id = ${user}`,
        )
      )[0].n;
    await track(ingest, [call1]);
    await track(ingest, [call1]);
    expect(await count()).toBe(1);
    // Six days on the event is still held (the window is 7 days): still a duplicate.
    await retentionAt(tickIn(6));
    await track(ingest, [call1]);
    expect(await count()).toBe(1);
    // Past the window the event and its messageId are gone.
    await retentionAt(tickIn(8));
    expect(await count()).toBe(0);
  });

  it("prunes nothing it could not archive, and says why", async () => {
    const w = await world();
    const failing: ArchiveBucket = {
      put: async () => {
        throw new Error("R2 is unavailable");
      },
      get: (k) => env.ARCHIVE.get(k),
      list: (o) => env.ARCHIVE.list(o),
      delete: (k) => env.ARCHIVE.delete(k),
    };
    const at = tickIn(103);
    const runId = `ret_fail_${uid()}`;
    const next = await runRetention({ ...env, ARCHIVE: failing }, retentionTasks, { runId, at, step: 0 });
    expect(next).toBeNull();
    const [run] = await db().all<{ error: string | null }>(sql`SELECT error FROM retention_runs WHERE id = ${runId}`);
    expect(run.error).toContain("R2 is unavailable");
    const [events] = await db().all<{ n: number }>(
      sql`SELECT count(*) AS n FROM email_events WHERE contact_id = ${w.buyer}`,
    );
    expect(events.n).toBeGreaterThan(0);
  });
});
