import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  contacts,
  emailMessages,
  feedbackEvents,
  feedbackJobRuns,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
} from "../../db/schema/index.ts";
import { messagesWithBodies } from "../../worker/emails/store/outbox.ts";
import { monthOf } from "../../worker/feedback/digest.ts";
import { emailsFor } from "../../worker/feedback/notices.ts";
import { decay, TRENDING_SLOT_MS } from "../../worker/feedback/trending.ts";
import worker from "../../worker/index.ts";
import { call, db, eventually, identityToken, newKey } from "./helpers.ts";

const DAY = 86_400_000;
let seq = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

async function boardWithPosts(titles: string[]) {
  const key = await newKey(["feedback"]);
  const slug = uniq("jobs");
  await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: slug } });
  const ids: string[] = [];
  for (const title of titles) {
    const res = await call("/api/v1/feedback/posts", { method: "POST", key, json: { board: slug, title } });
    ids.push(((await res.json()) as { id: string }).id);
  }
  return { key, slug, ids };
}

/** Votes cast `ageMs` ago by fresh contacts, written straight to D1 (the API only votes "now"). */
async function oldVotes(postId: string, n: number, ageMs: number) {
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const id = uniq("ct");
    await db()
      .insert(contacts)
      .values({ id, externalId: id, firstSeenAt: now - ageMs, lastSeenAt: now - ageMs });
    await db()
      .insert(feedbackVotes)
      .values({ id: uniq("fbv"), postId, contactId: id, createdAt: now - ageMs });
  }
  await db().update(feedbackPosts).set({ voteCount: n }).where(eq(feedbackPosts.id, postId));
}

async function runCron(scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("trending", () => {
  it("decays with age: fresh activity outweighs more, older activity", () => {
    expect(decay(0)).toBe(1);
    expect(decay(3 * DAY)).toBeCloseTo(0.5);
    expect(3 * decay(DAY)).toBeGreaterThan(5 * decay(25 * DAY));
  });

  it("cron enqueues, the queue precomputes the column, and sorting by trending and top differ", async () => {
    const { slug, ids } = await boardWithPosts(["Old favourite", "Hot new idea"]);
    const [old, hot] = ids;
    await oldVotes(old, 5, 25 * DAY);
    const token = (id: string) => identityToken({ id, email: `${id}@example.com` });
    for (let i = 0; i < 3; i++) {
      await call(`/api/v1/boards/${slug}/posts/${hot}/vote`, {
        method: "PUT",
        headers: { authorization: `Bearer ${await token(uniq("fan"))}` },
      });
    }
    const now = Date.now();
    await runCron(now);
    const slotKey = `trending:${Math.floor(now / TRENDING_SLOT_MS)}`;
    await eventually(async () => db().query.feedbackJobRuns.findFirst({ where: eq(feedbackJobRuns.key, slotKey) }));
    const rows = await eventually(async () => {
      const r = await db()
        .select()
        .from(feedbackPosts)
        .where(eq(feedbackPosts.boardId, (await boardId(slug)) ?? ""));
      return r.every((p) => p.trendingScore > 0) ? r : null;
    });
    const score = Object.fromEntries(rows.map((r) => [r.id, r.trendingScore]));
    expect(score[hot]).toBeGreaterThan(score[old]);

    const order = async (sort: string) =>
      ((await (await call(`/api/v1/boards/${slug}?sort=${sort}`)).json()) as { data: Array<{ id: string }> }).data.map(
        (p) => p.id,
      );
    expect(await order("trending")).toEqual([hot, old]);
    expect(await order("top")).toEqual([old, hot]);
    expect(await order("new")).toEqual([hot, old]);
  });
});

async function boardId(slug: string) {
  return (await db().query.feedbackBoards.findFirst({ where: (b, { eq }) => eq(b.slug, slug) }))?.id;
}

describe("monthly digest", () => {
  it("is written once per month as an event, and shown as a page", async () => {
    // A pinned tick just after midnight on the first day of a year and quarter.
    const tick = Date.UTC(2024, 0, 1, 0, 1);
    const lastMonth = "2023-12";
    expect(monthOf(tick - DAY)).toBe(lastMonth);
    await runCron(tick);
    await runCron(tick);
    const events = await eventually(async () => {
      const e = await db()
        .select()
        .from(feedbackEvents)
        .where(eq(feedbackEvents.key, `digest:${lastMonth}`));
      return e.length ? e : null;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "feedback.monthly_digest", payload: { month: lastMonth } });
  });

  it("emails the month's voters once: top ideas, what shipped, and a link to the page", async () => {
    // A month of its own, reached by a cron tick early in the month after it.
    const month = "2025-05";
    const inMonth = Date.UTC(2025, 4, 12);
    const tick = Date.UTC(2025, 5, 1, 0, 5);
    const { key, ids } = await boardWithPosts(["Digest <b>favourite</b>", "Digest shipped"]);
    const [favourite, shipped] = ids;
    const voters: string[] = [];
    for (const postId of [favourite, favourite, shipped]) {
      const id = uniq("ct");
      voters.push(id);
      await db()
        .insert(contacts)
        .values({ id, externalId: id, email: `${id}@example.com`, firstSeenAt: inMonth, lastSeenAt: inMonth });
      await db()
        .insert(feedbackVotes)
        .values({ id: uniq("fbv"), postId, contactId: id, createdAt: inMonth });
    }
    await call(`/api/v1/feedback/posts/${shipped}/status`, { method: "POST", key, json: { status: "done" } });
    await db()
      .update(feedbackStatusChanges)
      .set({ createdAt: inMonth + DAY })
      .where(eq(feedbackStatusChanges.postId, shipped));

    await runCron(tick);
    await runCron(tick);
    const mails = await eventually(async () => {
      const rows = await messagesWithBodies(db()).where(like(emailMessages.idempotencyKey, `digest:${month}:%`));
      return rows.length >= voters.length ? rows : null;
    });
    expect(mails.map((m) => m.idempotencyKey).sort()).toEqual(voters.map((v) => `digest:${month}:${v}`).sort());
    for (const m of mails) {
      expect(m.topic).toBe("product_updates");
      expect(m.text).toContain("Most voted this month:");
      expect(m.text).toContain("• Digest <b>favourite</b>: 2 votes, Under review");
      expect(m.text).toContain("Shipped:\n\n• Digest shipped");
      expect(m.text).toContain(`/roadmap/digest/${month}`);
      expect(m.html).toContain("Digest &lt;b&gt;favourite&lt;/b&gt;");
      expect(m.html).not.toContain("<b>favourite");
    }
    const page = await call(`/roadmap/digest/${month}`);
    expect(await page.text()).toContain("Digest shipped");
  });
});

describe("pagination", () => {
  it("pages through a sorted board with a keyset cursor, no repeats, no gaps", async () => {
    const { key, slug, ids } = await boardWithPosts(["P one", "P two", "P three", "P four", "P five"]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/feedback/posts?board=${slug}&sort=new&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await call(q, { key })).json()) as {
        data: Array<{ id: string }>;
        nextCursor: string | null;
      };
      seen.push(...page.data.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("closing the loop after the emails capability arrives", () => {
  it("a stored event becomes the same emails (same idempotency keys) as at the status change", () => {
    const event = {
      type: "feedback.status_changed" as const,
      key: "status:fbs_1",
      postId: "fbp_1",
      payload: {
        post: { title: "Dark <b>mode</b>", url: "https://feedback.example/feedback/ideas/fbp_1" },
        from: "planned",
        to: "done",
        comment: "Shipped in 2.0",
      },
    };
    const emails = emailsFor(event, [
      { id: "ct_1", email: "ada@example.com", name: "Ada" },
      { id: "ct_2", email: null, name: "No address" },
    ]);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      to: "ada@example.com",
      contactId: "ct_1",
      topic: "product_updates",
      idempotencyKey: "status:fbs_1:ct_1",
      subject: '"Dark <b>mode</b>" is now Done',
    });
    expect(emails[0].html).toContain("Dark &lt;b&gt;mode&lt;/b&gt;");
    expect(emails[0].text).toContain("Shipped in 2.0");
  });

  it("replay is queued from the admin API; a malformed cursor is refused", async () => {
    const key = await newKey(["feedback"]);
    const bad = await call("/api/v1/feedback/events/replay", { method: "POST", key, json: { after: 5 } });
    expect(bad.status).toBe(400);
  });

  it("replay brings back exactly an email that was lost, under its first key, and sends no other again", async () => {
    const { key, ids } = await boardWithPosts(["Replayed idea"]);
    const voters = [uniq("ct"), uniq("ct"), uniq("ct")];
    const now = Date.now();
    for (const id of voters) {
      await db()
        .insert(contacts)
        .values({ id, externalId: id, email: `${id}@example.com`, firstSeenAt: now, lastSeenAt: now });
      await db()
        .insert(feedbackVotes)
        .values({ id: uniq("fbv"), postId: ids[0], contactId: id, createdAt: now });
    }
    await call(`/api/v1/feedback/posts/${ids[0]}/status`, { method: "POST", key, json: { status: "done" } });
    // The status change's emails, once delivery has dealt with each (sent, or deferred by quiet hours).
    const settled = () =>
      eventually(async () => {
        const rows = await messagesWithBodies(db()).where(inArray(emailMessages.contactId, voters));
        return rows.length === voters.length && rows.every((r) => r.state !== "queued" && r.state !== "sending")
          ? // In the voters' order (their ids' text order breaks where the counter goes from 9 to 10).
            rows.sort((a, b) => voters.indexOf(a.contactId ?? "") - voters.indexOf(b.contactId ?? ""))
          : null;
      });
    const before = await settled();
    expect(before.map((m) => m.idempotencyKey)).toEqual(
      voters.map((v) => expect.stringMatching(new RegExp(`^status:fbs_.*:${v}$`))),
    );
    const [lost, ...kept] = before;
    await db().delete(emailMessages).where(eq(emailMessages.id, lost.id));

    const res = await call("/api/v1/feedback/events/replay", { method: "POST", key, json: {} });
    expect(res.status).toBe(202);
    const after = await settled();
    const back = after.find((m) => m.idempotencyKey === lost.idempotencyKey);
    expect(back?.id).not.toBe(lost.id);
    expect(back).toMatchObject({
      contactId: lost.contactId,
      toAddress: lost.toAddress,
      subject: lost.subject,
      text: lost.text,
      topic: "product_updates",
    });
    // The others are the very rows they were: not queued, attempted or sent again.
    expect(after.filter((m) => m !== back)).toEqual(kept);
  });
});
