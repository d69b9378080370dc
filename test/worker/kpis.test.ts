import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, gte, lte } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { KPI_IDS, kpiAlerts, kpiSnapshots, kpiTargets, npsResponses, webhookEvents } from "../../db/schema/index.ts";
import worker from "../../worker/index.ts";
import { quarterOf, quarterRange, startOfDay } from "../../worker/kpis/quarters.ts";
import { cachedReport, forgetReports } from "../../worker/kpis/report-cache.ts";
import { dueSnapshotDays, snapshotDay } from "../../worker/kpis/store/snapshots.ts";
import { upsertContact } from "../../worker/lib/contacts.ts";
import { npsLinks } from "../../worker/nps/index.ts";
import { call, db, eventually, identityToken, newKey } from "./helpers.ts";

const DAY = 86_400_000;
const PROBLEM = "application/problem+json";

type Report = {
  quarter: string;
  phase: string;
  kpis: Array<{
    kpi: string;
    value: number | null;
    inputs: Record<string, unknown>;
    formula: string;
    target: { target: number } | null;
    pacing: { status: string; expected: number; forecast: number | null } | null;
    sparkline: Array<{ day: number; value: number | null }>;
  }>;
};

let key: string;
beforeAll(async () => {
  key = await newKey(["kpis"]);
});

async function problem(res: Response, status: number, slug: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe(PROBLEM);
  const body = (await res.json()) as { type: string; errors?: Array<{ path: string }> };
  expect(body.type).toBe(`urn:rapport:problem:${slug}`);
  return body;
}

async function report(quarter?: string): Promise<Report> {
  // Values computed now, not the copy kept for up to 30 s.
  const res = await call(`/api/v1/kpis${quarter ? `?quarter=${quarter}` : ""}`, {
    key,
    headers: { "cache-control": "no-cache" },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

async function newSurvey(name = "Quarterly NPS") {
  const res = await call("/api/v1/nps/surveys", { method: "POST", key, json: { name } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; question: string; responses: number; nps: number | null };
}

describe("KPI report", () => {
  it("lists every KPI of the current quarter with formula and inputs; empty sources are null, not zero", async () => {
    const r = await report();
    expect(r.quarter).toBe(quarterOf(Date.now()));
    expect(r.phase).toBe("live");
    expect(r.kpis.map((k) => k.kpi)).toEqual([...KPI_IDS]);
    const byId = Object.fromEntries(r.kpis.map((k) => [k.kpi, k]));
    // The other capabilities' contracts are stubs here: their KPIs honestly have no data.
    expect(byId.referral_conversion).toMatchObject({ value: null, inputs: { referredSignups: 0, qualified: 0 } });
    expect(byId.clv.value).toBeNull();
    expect(byId.cac.formula).toContain("spend");
  });

  it("refuses without a key, with another capability's scope, and a malformed quarter", async () => {
    await problem(await call("/api/v1/kpis"), 401, "unauthorized");
    await problem(await call("/api/v1/kpis", { key: await newKey(["feedback"]) }), 403, "forbidden");
    expect((await call("/api/v1/kpis", { key: await newKey(["read"]) })).status).toBe(200);
    const body = await problem(await call("/api/v1/kpis?quarter=2026-Q5", { key }), 400, "validation-failed");
    expect(body.errors?.[0].path).toBe("query.quarter");
  });

  it("returns a future quarter with no values and a past quarter computed over the whole quarter", async () => {
    const r = await report("2099-Q1");
    expect(r.phase).toBe("future");
    expect(r.kpis.every((k) => k.value === null)).toBe(true);
    expect((await report("2020-Q1")).phase).toBe("final");
  });

  it("computes every KPI over a date range, and refuses a backwards, too long or malformed range", async () => {
    const res = await call("/api/v1/kpis/range?from=2020-01-01&to=2020-02-01", { key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      from: number;
      kpis: Array<{ kpi: string; value: number | null; formula: string }>;
    };
    expect(body.from).toBe(Date.UTC(2020, 0, 1));
    expect(body.kpis.map((k) => k.kpi).sort()).toEqual([...KPI_IDS].sort());
    expect(body.kpis.every((k) => k.value === null && k.formula.length > 0)).toBe(true);
    for (const q of [
      "from=2020-02-01&to=2020-01-01",
      "from=2020-01-01&to=2022-01-01",
      "from=yesterday&to=2020-01-01",
    ]) {
      await problem(await call(`/api/v1/kpis/range?${q}`, { key }), 400, "validation-failed");
    }
  });
});

describe("settings", () => {
  it("has defaults, takes changes, refuses a margin above 1 and keeps the old settings", async () => {
    const get = async () => (await (await call("/api/v1/kpis/settings", { key })).json()) as Record<string, unknown>;
    const before = await get();
    expect(before).toMatchObject({ grossMargin: 0.7, orderEvent: "order_completed", currency: "USD" });
    const res = await call("/api/v1/kpis/settings", {
      method: "PUT",
      key,
      json: { ...before, grossMargin: 0.55, engagementWeights: { login: 2 } },
    });
    expect(res.status).toBe(200);
    expect(await get()).toMatchObject({ grossMargin: 0.55, engagementWeights: { login: 2 } });
    const bad = await problem(
      await call("/api/v1/kpis/settings", { method: "PUT", key, json: { grossMargin: 1.5 } }),
      400,
      "validation-failed",
    );
    expect(bad.errors?.[0].path).toBe("body.grossMargin");
    expect((await get()).grossMargin).toBe(0.55);
    await call("/api/v1/kpis/settings", { method: "PUT", key, json: before });
  });
});

describe("targets and pacing", () => {
  const quarter = quarterOf(Date.now());

  it("sets a target, reports its pacing, changes it and the status follows", async () => {
    const survey = await newSurvey();
    for (const [i, score] of [10, 9, 9, 3].entries()) {
      const token = await identityToken({ id: `pace-${i}`, email: `pace-${i}@example.com` });
      const res = await call(`/api/v1/nps/surveys/${survey.id}/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        json: { score },
      });
      expect(res.status).toBe(200);
    }
    const nps = (await report()).kpis.find((k) => k.kpi === "nps");
    expect(nps?.value).not.toBeNull();
    const actual = nps?.value as number;

    // A target the KPI is already past: on track, forecast above the target.
    let res = await call(`/api/v1/kpis/targets/${quarter}/nps`, {
      method: "PUT",
      key,
      json: { startValue: actual - 200, target: actual - 100, ownerEmail: "Owner@Example.com" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      kpi: "nps",
      quarter,
      direction: "higher",
      ownerEmail: "owner@example.com",
    });
    let item = (await report()).kpis.find((k) => k.kpi === "nps");
    expect(item?.target).toMatchObject({ target: actual - 100 });
    expect(item?.pacing?.status).toBe("on_track");

    // Raise it far out of reach: off track.
    res = await call(`/api/v1/kpis/targets/${quarter}/nps`, {
      method: "PUT",
      key,
      json: { startValue: actual + 500, target: actual + 1000, ownerEmail: "owner@example.com" },
    });
    expect(res.status).toBe(200);
    item = (await report()).kpis.find((k) => k.kpi === "nps");
    expect(item?.pacing?.status).toBe("off_track");
    const listed = (await (await call(`/api/v1/kpis/targets?quarter=${quarter}`, { key })).json()) as {
      data: unknown[];
    };
    expect(listed.data).toHaveLength(1);

    expect((await call(`/api/v1/kpis/targets/${quarter}/nps`, { method: "DELETE", key })).status).toBe(204);
    await problem(await call(`/api/v1/kpis/targets/${quarter}/nps`, { method: "DELETE", key }), 404, "not-found");
    expect((await report()).kpis.find((k) => k.kpi === "nps")?.pacing).toBeNull();
  });

  it("refuses a target without owner, with an unknown KPI or owner, and writes nothing", async () => {
    const put = (json: unknown) => call(`/api/v1/kpis/targets/${quarter}/cac`, { method: "PUT", key, json });
    let body = await problem(await put({ startValue: 1, target: "x", ownerEmail: "a@b.co" }), 400, "validation-failed");
    expect(body.errors?.map((e) => e.path)).toEqual(["body.target"]);
    body = await problem(await put({ startValue: 1, target: 2 }), 400, "validation-failed");
    expect(body.errors?.map((e) => e.path)).toEqual(["body.ownerEmail"]);
    await problem(
      await call(`/api/v1/kpis/targets/${quarter}/magic`, {
        method: "PUT",
        key,
        json: { startValue: 1, target: 2, ownerEmail: "a@b.co" },
      }),
      400,
      "validation-failed",
    );
    await problem(
      await call(`/api/v1/kpis/targets/${quarter}/cac`, {
        method: "PUT",
        key,
        json: { startValue: 1, target: 2, ownerContactId: "ct_nobody" },
      }),
      400,
      "validation-failed",
    );
    expect(await db().select().from(kpiTargets).where(eq(kpiTargets.kpi, "cac"))).toHaveLength(0);
  });

  it("a kept report past 20 s is still served while the next one is built, unless a write drops it meanwhile", async () => {
    const k = `refresh-test-${Math.random()}`;
    const work: Promise<unknown>[] = [];
    const keep = (p: Promise<unknown>) => work.push(p);
    const settle = () => Promise.all(work.splice(0));
    expect(await cachedReport(k, 1_000, false, async () => "first", keep)).toBe("first");
    expect(await cachedReport(k, 25_000, false, async () => "second", keep)).toBe("first");
    await settle();
    expect(await cachedReport(k, 26_000, false, async () => "third", keep)).toBe("second");
    // A rebuild that began before a write: the write's drop wins.
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    expect(await cachedReport(k, 47_000, false, () => gate.then(() => "stale"), keep)).toBe("second");
    forgetReports();
    release();
    await settle();
    expect(await cachedReport(k, 47_500, false, async () => "after the write", keep)).toBe("after the write");
  });

  it("calls arriving together get the kept report, which follows a target change at once", async () => {
    const kept = async (headers: HeadersInit = {}) => {
      const res = await call("/api/v1/kpis", { key, headers });
      expect(res.status).toBe(200);
      return (await res.json()) as Report;
    };
    const clvTarget = (r: Report) => r.kpis.find((k) => k.kpi === "clv")?.target ?? null;
    // Calls that arrive before any copy is kept each compute their own (no request awaits another's
    // build); once one is kept, every call gets that copy, computed at one instant.
    const first = await kept({ "cache-control": "no-cache" });
    const together = await Promise.all(Array.from({ length: 12 }, () => kept()));
    for (const r of together) expect(r).toEqual(first);
    expect(clvTarget(together[0])).toBeNull();
    const put = await call(`/api/v1/kpis/targets/${quarter}/clv`, {
      method: "PUT",
      key,
      json: { startValue: 10, target: 20, ownerEmail: "owner@example.com" },
    });
    expect(put.status).toBe(200);
    expect(clvTarget(await kept())).toMatchObject({ target: 20 });
    expect((await call(`/api/v1/kpis/targets/${quarter}/clv`, { method: "DELETE", key })).status).toBe(204);
    expect(clvTarget(await kept())).toBeNull();
  });
});

describe("spend and audits", () => {
  it("takes spend per quarter and channel; CAC shows the spend even with no new customers", async () => {
    const quarter = quarterOf(Date.now());
    for (const [channel, amount] of [
      ["paid_search", 6000],
      ["events", 3000],
    ] as const) {
      const res = await call(`/api/v1/kpis/spend/${quarter}/${channel}`, { method: "PUT", key, json: { amount } });
      expect(res.status).toBe(200);
    }
    await call(`/api/v1/kpis/spend/${quarter}/events`, { method: "PUT", key, json: { amount: 2000, note: "fair" } });
    const list = (await (await call(`/api/v1/kpis/spend?quarter=${quarter}`, { key })).json()) as {
      data: Array<{ channel: string; amount: number }>;
    };
    expect(list.data.map((s) => [s.channel, s.amount])).toEqual([
      ["events", 2000],
      ["paid_search", 6000],
    ]);
    const cacItem = (await report()).kpis.find((k) => k.kpi === "cac");
    const r = quarterRange(quarter);
    expect(cacItem?.value).toBeNull();
    // Quarter to date counts whole days, today included.
    const toDate = startOfDay(Date.now()) + DAY - r.from;
    expect(cacItem?.inputs.spend as number).toBeCloseTo((8000 * toDate) / (r.to - r.from), 1);
    await problem(
      await call(`/api/v1/kpis/spend/${quarter}/Paid Search`, { method: "PUT", key, json: { amount: -1 } }),
      400,
      "validation-failed",
    );
    expect((await call(`/api/v1/kpis/spend/${quarter}/events`, { method: "DELETE", key })).status).toBe(204);
  });

  it("scores the five pillars, names the lowest, and refuses a partial audit", async () => {
    const pillars = [
      { pillar: "community", score: 4 },
      { pillar: "personalisation", score: 3, note: "Segments are coarse" },
      { pillar: "value_exchange", score: 4 },
      { pillar: "feedback_loops", score: 2, note: "Few closed loops" },
      { pillar: "advocacy", score: 5 },
    ];
    const res = await call("/api/v1/kpis/audits/2026-Q3", { method: "PUT", key, json: { pillars } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ quarter: "2026-Q3", priority: "feedback_loops", average: 3.6 });
    const again = await call("/api/v1/kpis/audits/2026-Q3", {
      method: "PUT",
      key,
      json: { pillars: pillars.map((p) => (p.pillar === "feedback_loops" ? { ...p, score: 4 } : p)) },
    });
    expect(await again.json()).toMatchObject({ priority: "personalisation" });
    const list = (await (await call("/api/v1/kpis/audits", { key })).json()) as { data: Array<{ quarter: string }> };
    expect(list.data.map((a) => a.quarter)).toContain("2026-Q3");
    await problem(
      await call("/api/v1/kpis/audits/2026-Q3", { method: "PUT", key, json: { pillars: pillars.slice(1) } }),
      400,
      "validation-failed",
    );
    await problem(
      await call("/api/v1/kpis/audits/2026-Q3", {
        method: "PUT",
        key,
        json: { pillars: pillars.map((p) => ({ ...p, score: 6 })) },
      }),
      400,
      "validation-failed",
    );
    expect((await (await call("/api/v1/kpis/audits/2026-Q3", { key })).json()) as object).toMatchObject({
      priority: "personalisation",
    });
    expect((await call("/api/v1/kpis/audits/2026-Q3", { method: "DELETE", key })).status).toBe(204);
    await problem(await call("/api/v1/kpis/audits/2026-Q3", { key }), 404, "not-found");
  });
});

describe("NPS", () => {
  it("keeps one in-app answer per contact per survey: answering again changes it", async () => {
    const survey = await newSurvey("In-app");
    const token = await identityToken({ id: "nps-once", email: "once@example.com" });
    const answer = (json: unknown) =>
      call(`/api/v1/nps/surveys/${survey.id}/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        json,
      });
    const me = async () =>
      (await (
        await call(`/api/v1/nps/surveys/${survey.id}/me`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { survey: { open: boolean; question: string }; answer: { score: number } | null };
    expect(await me()).toMatchObject({ survey: { open: true, question: survey.question }, answer: null });
    expect(await (await answer({ score: 4, comment: "Slow support" })).json()).toMatchObject({
      score: 4,
      segment: "detractor",
      comment: "Slow support",
    });
    expect(await (await answer({ score: 9 })).json()).toMatchObject({ score: 9, comment: "Slow support" });
    const rows = await db().select().from(npsResponses).where(eq(npsResponses.surveyId, survey.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 9, channel: "in_app" });
    expect((await me()).answer).toMatchObject({ score: 9, segment: "promoter" });
    const got = (await (await call(`/api/v1/nps/surveys/${survey.id}`, { key })).json()) as object;
    expect(got).toMatchObject({ responses: 1, promoters: 1, nps: 100 });
    const events = await db().select().from(webhookEvents).where(eq(webhookEvents.type, "nps.response.recorded"));
    expect(events.length).toBeGreaterThanOrEqual(2);

    await problem(await answer({ score: 11 }), 400, "validation-failed");
    await problem(
      await call(`/api/v1/nps/surveys/${survey.id}/responses`, { method: "POST", json: { score: 5 } }),
      401,
      "unauthorized",
    );
    await problem(
      await call("/api/v1/nps/surveys/nps_missing/responses", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        json: { score: 5 },
      }),
      404,
      "not-found",
    );
    await call(`/api/v1/nps/surveys/${survey.id}`, { method: "PATCH", key, json: { closed: true } });
    await problem(await answer({ score: 1 }), 409, "conflict");
    expect((await db().select().from(npsResponses).where(eq(npsResponses.surveyId, survey.id)))[0].score).toBe(9);
  });

  it("emails a survey once per contact, skipping unknown contacts and those without an email", async () => {
    const survey = await newSurvey("Invited");
    const a = await upsertContact(db(), { externalId: "invite-a", email: "a@example.com" });
    const b = await upsertContact(db(), { externalId: "invite-b" });
    const send = (contactIds: string[]) =>
      call(`/api/v1/nps/surveys/${survey.id}/send`, { method: "POST", key, json: { contactIds } });
    let res = await send([a.id, b.id, "ct_nobody", a.id]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      invited: [a.id],
      skipped: [
        { contactId: b.id, reason: "no-email" },
        { contactId: "ct_nobody", reason: "unknown-contact" },
      ],
    });
    res = await send([a.id]);
    expect(await res.json()).toEqual({ invited: [], skipped: [{ contactId: a.id, reason: "already-invited" }] });
    expect(await (await call(`/api/v1/nps/surveys/${survey.id}`, { key })).json()).toMatchObject({ invited: 1 });
    await problem(await send([]), 400, "validation-failed");
    await call(`/api/v1/nps/surveys/${survey.id}`, { method: "PATCH", key, json: { closed: true } });
    await problem(await send([a.id]), 409, "conflict");
  });

  it("one-click email links show a form (GET records nothing) and the POST records the answer", async () => {
    const survey = await newSurvey("Email NPS");
    const contact = await upsertContact(db(), { externalId: "nps-mail", email: "mail@example.com" });
    const linksRes = await call(`/api/v1/nps/surveys/${survey.id}/links`, {
      method: "POST",
      key,
      json: { contactId: contact.id },
    });
    const { links } = (await linksRes.json()) as { links: Array<{ score: number; url: string }> };
    expect(links).toHaveLength(11);
    expect(links).toEqual(await npsLinks(env, survey.id, contact.id));
    const url = new URL(links[8].url);

    const page = await call(url.pathname + url.search);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain(survey.question);
    expect(html).toMatch(/value="8" checked/);
    expect(await db().select().from(npsResponses).where(eq(npsResponses.surveyId, survey.id))).toHaveLength(0);

    const form = (fields: Record<string, string>) =>
      call(`/nps/${survey.id}`, {
        method: "POST",
        body: new URLSearchParams(fields).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    const c = url.searchParams.get("c") as string;
    const s = url.searchParams.get("s") as string;
    const saved = await form({ c, s, score: "8", comment: "Great <b>docs</b>" });
    expect(saved.status).toBe(200);
    const savedHtml = await saved.text();
    expect(savedHtml).toContain("Thank you");
    expect(savedHtml).toContain("Great &lt;b&gt;docs&lt;/b&gt;");
    expect(await form({ c, s, score: "10" })).toHaveProperty("status", 200);
    const rows = await db().select().from(npsResponses).where(eq(npsResponses.surveyId, survey.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 10, comment: "Great <b>docs</b>", channel: "email" });

    // A forged or reused-for-someone-else signature is refused and records nothing.
    expect((await call(`/nps/${survey.id}/3?c=${c}&s=${"0".repeat(32)}`)).status).toBe(403);
    const other = await upsertContact(db(), { externalId: "nps-other" });
    expect((await form({ c: other.id, s, score: "0" })).status).toBe(403);
    expect((await form({ c, s, score: "eleven" })).status).toBe(400);
    expect(await db().select().from(npsResponses).where(eq(npsResponses.surveyId, survey.id))).toHaveLength(1);

    await call(`/api/v1/nps/surveys/${survey.id}`, { method: "PATCH", key, json: { closed: true } });
    expect((await call(url.pathname + url.search)).status).toBe(410);

    const list = (await (await call(`/api/v1/nps/responses?survey=${survey.id}&comment=true`, { key })).json()) as {
      data: Array<{ email: string; comment: string; segment: string }>;
    };
    expect(list.data).toEqual([
      expect.objectContaining({ email: "mail@example.com", comment: "Great <b>docs</b>", segment: "promoter" }),
    ]);
  });
});

describe("daily snapshots", () => {
  it("cron enqueues yesterday and the queue writes one snapshot per KPI", async () => {
    // A pinned tick at 03:00 on the first day of a quarter: "yesterday" closes the quarter before.
    const tick = Date.UTC(2026, 3, 1, 3, 0);
    const yesterday = startOfDay(tick) - DAY;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: tick }), env, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await eventually(async () => {
      const r = await db().select().from(kpiSnapshots).where(eq(kpiSnapshots.day, yesterday));
      return r.length === KPI_IDS.length ? r : undefined;
    }, 15_000);
    expect(rows.find((r) => r.kpi === "nps")?.inputs).toHaveProperty("responses");
    // Cron caught up the whole past week; once each day is complete, nothing more is due.
    await eventually(async () => (await dueSnapshotDays(db(), tick)).length === 0, 15_000);
    const week = await db()
      .select()
      .from(kpiSnapshots)
      .where(and(gte(kpiSnapshots.day, yesterday - 6 * DAY), lte(kpiSnapshots.day, yesterday)));
    expect(week).toHaveLength(7 * KPI_IDS.length);
  });

  it("history does not change when data is backfilled, until recomputed on purpose", async () => {
    const d = db();
    const day = Date.UTC(2025, 4, 10);
    await snapshotDay(d, { day, recompute: false, alert: false });
    const before = await d.query.kpiSnapshots.findFirst({
      where: and(eq(kpiSnapshots.kpi, "nps"), eq(kpiSnapshots.day, day)),
    });
    expect(before?.value).toBeNull();

    // Backfill an answer dated that day.
    const survey = await newSurvey("Backfill");
    const contact = await upsertContact(d, { externalId: "backfill-1" });
    await d.insert(npsResponses).values({
      id: "npr_backfill_1",
      surveyId: survey.id,
      contactId: contact.id,
      score: 10,
      channel: "email",
      respondedAt: day + 3600_000,
    });
    expect(await snapshotDay(d, { day, recompute: false, alert: false })).toEqual({ written: 0, alerts: 0 });
    const same = await d.query.kpiSnapshots.findFirst({
      where: and(eq(kpiSnapshots.kpi, "nps"), eq(kpiSnapshots.day, day)),
    });
    expect(same?.value).toBeNull();

    await problem(
      await call("/api/v1/kpis/snapshots/recompute", {
        method: "POST",
        key,
        json: { from: "2025-05-10", to: "2025-05-01" },
      }),
      400,
      "validation-failed",
    );
    for (const json of [
      { from: "1900-01-01", to: "2025-01-01" },
      { from: "2999-01-01", to: "2999-01-02" },
    ]) {
      await problem(
        await call("/api/v1/kpis/snapshots/recompute", { method: "POST", key, json }),
        400,
        "validation-failed",
      );
    }
    const res = await call("/api/v1/kpis/snapshots/recompute", {
      method: "POST",
      key,
      json: { from: "2025-05-10", to: "2025-05-10" },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ days: 1 });
    const after = await eventually(async () => {
      const r = await d.query.kpiSnapshots.findFirst({
        where: and(eq(kpiSnapshots.kpi, "nps"), eq(kpiSnapshots.day, day)),
      });
      return r?.value === 100 ? r : undefined;
    });
    expect(after.inputs).toMatchObject({ responses: 1, promoters: 1 });

    const history = (await (await call("/api/v1/kpis/nps/history?quarters=8", { key })).json()) as {
      weeks: Array<{ day: number; value: number | null }>;
      quarters: Array<{ quarter: string; value: number | null }>;
    };
    expect(history.weeks).toContainEqual(expect.objectContaining({ day, value: 100 }));
    expect(history.quarters.find((q) => q.quarter === "2025-Q2")?.value).toBe(100);
  });

  it("alerts the owner once when a KPI slips from on track to at risk", async () => {
    const d = db();
    const quarter = "2025-Q3";
    const range = quarterRange(quarter);
    const day = range.from + 45 * DAY;
    const survey = await newSurvey("Alerting");
    // By the end of `day` the quarter's NPS is 33.33 (two promoters, one detractor).
    for (const [i, score] of [10, 10, 2].entries()) {
      const contact = await upsertContact(d, { externalId: `alert-${i}` });
      await d.insert(npsResponses).values({
        id: `npr_alert_${i}`,
        surveyId: survey.id,
        contactId: contact.id,
        score,
        channel: "email",
        respondedAt: range.from + DAY,
      });
    }
    const owner = await upsertContact(d, { externalId: "kpi-owner", email: "owner@example.com" });
    // Two daily values are too few for a drift: the forecast is the latest, 33.33, which falls 17%
    // short of 40 (on track needs 10% at most; without an interval, at risk up to 25%).
    const res = await call(`/api/v1/kpis/targets/${quarter}/nps`, {
      method: "PUT",
      key,
      json: { startValue: 0, target: 40, ownerContactId: owner.id },
    });
    expect(res.status).toBe(200);
    await d.insert(kpiSnapshots).values({ kpi: "nps", day: day - DAY, value: 5, inputs: {}, status: "on_track" });
    const first = await snapshotDay(d, { day, recompute: false, alert: true });
    const status = await d.query.kpiSnapshots.findFirst({
      where: and(eq(kpiSnapshots.kpi, "nps"), eq(kpiSnapshots.day, day)),
    });
    expect(status?.status).toBe("at_risk");
    expect(first.alerts).toBe(1);
    await snapshotDay(d, { day, recompute: true, alert: true });
    const alerts = await d.select().from(kpiAlerts).where(eq(kpiAlerts.quarter, quarter));
    expect(alerts).toEqual([expect.objectContaining({ kpi: "nps", day, recipient: "owner@example.com" })]);
    const hooks = await d.select().from(webhookEvents).where(eq(webhookEvents.type, "kpi.at_risk"));
    expect(hooks.filter((h) => (h.payload as { quarter: string }).quarter === quarter)).toHaveLength(1);
    const listed = (await (await call("/api/v1/kpis/alerts", { key })).json()) as { data: unknown[] };
    expect(listed.data).toContainEqual(expect.objectContaining({ kpi: "nps", quarter }));
  });
});
