import { describe, expect, it } from "vitest";
import { emailMessages } from "../../db/schema/index.ts";
import { call, db, newKey } from "./helpers.ts";

const T = Date.UTC(2031, 5, 7, 12);

describe("the outbox list", () => {
  it("pages newest first by creation time, whatever the ids, with no repeats or gaps", async () => {
    const key = await newKey(["emails"]);
    const contactId = `ct_order_${crypto.randomUUID().slice(0, 8)}`;
    // Ids that sort against time (as imported or seeded rows may), and two rows in the same millisecond.
    const times = [T + 5, T + 1, T + 9, T + 3, T + 3, T + 7, T];
    await db()
      .insert(emailMessages)
      .values(
        times.map((at, i) => ({
          id: `em_${String.fromCharCode(122 - i)}${i}`,
          idempotencyKey: `order:${contactId}:${i}`,
          contactId,
          topic: "marketing" as const,
          state: "sent" as const,
          sendAfter: at,
          createdAt: at,
          updatedAt: at,
        })),
      );
    const seen: Array<{ id: string; createdAt: number }> = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ contactId, limit: "3", ...(cursor ? { cursor } : {}) });
      const res = await call(`/api/v1/emails/messages?${q}`, { key });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: Array<{ id: string; createdAt: number }>; nextCursor: string | null };
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((m) => m.createdAt)).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(seen.map((m) => m.id)).size).toBe(times.length);

    const bad = await call(`/api/v1/emails/messages?cursor=${encodeURIComponent("em_zzz")}`, { key });
    expect(bad.status).toBe(400);
  });
});
