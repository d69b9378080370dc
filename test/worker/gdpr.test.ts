// GDPR across the graph: a person active in every capability, seeded through the real API, is
// exported (a section per capability, nobody else's data) and erased (nothing personal left in any
// table, aggregates unchanged, a report per capability, a second erase a 404).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, identityToken, newKey, problem } from "./helpers.ts";
import { convert, enroll, newProgram } from "./referrals-support.ts";
import { makePage } from "./status-support.ts";

const uid = crypto.randomUUID().slice(0, 8);
type Person = { externalId: string; email: string; name: string; token: string; contactId?: string };
const person = async (who: string): Promise<Person> => {
  const externalId = `gdpr-${who}-${uid}`;
  const email = `${externalId}@example.org`;
  const name = `${who[0].toUpperCase()}${who.slice(1)} Zyx${uid}`;
  return { externalId, email, name, token: await identityToken({ id: externalId, email, name }) };
};
const asVisitor = (p: Person, json?: unknown, method = "POST") =>
  ({ method, headers: { authorization: `Bearer ${p.token}` }, json }) as const;
const ok = async <T>(res: Response, status = 200): Promise<T> => {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
};
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Ada in all five capabilities, Bob (whom she referred, who voted on her idea) and Cy (who referred her). */
async function seed() {
  const key = await newKey();
  const [ada, bob, cy] = await Promise.all([person("ada"), person("bob"), person("cy")]);

  // Referrals: Ada and Cy enrol; Cy refers Ada, Ada refers Bob (signup qualifies: both sides earn).
  const program = await newProgram(key);
  const adaRef = await enroll(key, program.id, { id: ada.externalId, email: ada.email, name: ada.name });
  const cyRef = await enroll(key, program.id, { id: cy.externalId, email: cy.email, name: cy.name });
  ada.contactId = adaRef.contactId;
  cy.contactId = cyRef.contactId;
  await ok(
    await convert(key, { event: "signup", customer: { id: ada.externalId, email: ada.email }, code: cyRef.code }),
    201,
  );
  await ok(
    await convert(key, { event: "signup", customer: { id: bob.externalId, email: bob.email }, code: adaRef.code }),
    201,
  );

  // Feedback: Ada posts, comments and votes; Bob posts and votes on Ada's idea; Ada's idea ships.
  const slug = `gdpr-${uid}`;
  await ok(await call("/api/v1/feedback/boards", { method: "POST", key, json: { slug, name: "Ideas" } }), 201);
  const posts = `/api/v1/boards/${slug}/posts`;
  const idea = await ok<{ id: string }>(await call(posts, asVisitor(ada, { title: "Dark mode", body: "Please" })), 201);
  const other = await ok<{ id: string }>(await call(posts, asVisitor(bob, { title: "CSV export", body: "Yes" })), 201);
  await ok(await call(`${posts}/${idea.id}/comments`, asVisitor(ada, { body: "Mine, at night" })), 201);
  for (const [p, post] of [
    [ada, idea],
    [bob, idea],
    [ada, other],
  ] as const) {
    await ok(await call(`${posts}/${post.id}/vote`, asVisitor(p, undefined, "PUT")));
  }
  await ok(await call(`/api/v1/feedback/posts/${idea.id}/status`, { method: "POST", key, json: { status: "done" } }));

  // Status: Ada subscribes to a page by email.
  const { slug: pageSlug } = await makePage(key, { components: 1 });
  await ok(
    await call(`/status/${pageSlug}/api/v2/subscribers.json`, {
      method: "POST",
      json: { email: ada.email },
      headers: { "cf-connecting-ip": `gdpr-${uid}` },
    }),
    202,
  );

  // NPS: Ada (with marketing consent) is sent the survey by email and answers in-app; Bob answers too.
  await ok(await call(`/api/v1/contacts/${ada.contactId}/consent`, { method: "PUT", key, json: { marketing: true } }));
  const survey = await ok<{ id: string }>(
    await call("/api/v1/nps/surveys", { method: "POST", key, json: { name: `GDPR ${uid}` } }),
    201,
  );
  const sent = await ok<{ invited: string[] }>(
    await call(`/api/v1/nps/surveys/${survey.id}/send`, { method: "POST", key, json: { contactIds: [ada.contactId] } }),
  );
  expect(sent.invited).toEqual([ada.contactId]);
  const answer = `/api/v1/nps/surveys/${survey.id}/responses`;
  await ok(await call(answer, asVisitor(ada, { score: 9, comment: `Night owl ${uid}` })));
  await ok(await call(answer, asVisitor(bob, { score: 3 })));
  // Emails: the host app's Segment calls, an anonymous visit merged into Ada by identify.
  const anonymousId = `anon-ada-${uid}`;
  const batch = [
    { type: "track", anonymousId, event: "viewed_pricing", messageId: `${anonymousId}-1` },
    { type: "identify", userId: ada.externalId, anonymousId, traits: { email: ada.email, plan: "pro" } },
    { type: "track", userId: ada.externalId, event: "login", messageId: `${anonymousId}-2` },
  ];
  await ok(await call("/v1/batch", { method: "POST", key, json: { batch } }));
  const bobRow = await env.DB.prepare("select id from contacts where external_id = ?").bind(bob.externalId).first();
  bob.contactId = String(bobRow?.id);
  return { key, ada, bob, cy, slug, idea, other, anonymousId };
}

/** Every text column of every table, with how many rows hold any of `needles` (case-insensitive). */
async function rowsMentioning(needles: string[]): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations'",
  ).all<{ name: string }>();
  const found: Record<string, number> = {};
  for (const { name } of tables.results) {
    const cols = await env.DB.prepare(`select name, type from pragma_table_info('${name}')`).all<{
      name: string;
      type: string;
    }>();
    const text = cols.results.filter((c) => /text|char|clob|^$/i.test(c.type)).map((c) => `"${c.name}"`);
    if (!text.length) continue;
    const any = text.map((c) => `instr(lower(${c}), nd.value) > 0`).join(" or ");
    const row = await env.DB.prepare(
      `select count(*) as n from "${name}" where exists (select 1 from json_each(?1) nd where ${any})`,
    )
      .bind(JSON.stringify(needles.map((n) => n.toLowerCase())))
      .first<{ n: number }>();
    if (row?.n) found[name] = row.n;
  }
  return found;
}

const KEPT_KPIS = ["nps", "feedback_implementation", "feedback_implementation_votes", "referral_conversion"];
async function aggregates(key: string, slug: string, postIds: string[]) {
  const now = Date.now();
  const range = await ok<{ kpis: Array<{ kpi: string; value: number | null; inputs: unknown }> }>(
    await call(`/api/v1/kpis/range?from=${day(now - 86_400_000)}&to=${day(now + 2 * 86_400_000)}`, { key }),
  );
  const votes = [];
  for (const id of postIds) {
    const res = await ok<{ post: { voteCount: number } }>(await call(`/api/v1/boards/${slug}/posts/${id}`));
    votes.push(res.post.voteCount);
  }
  const kpis = Object.fromEntries(range.kpis.filter((k) => KEPT_KPIS.includes(k.kpi)).map((k) => [k.kpi, k]));
  return { votes, kpis };
}

describe("GDPR export and erase cover every capability", () => {
  it("exports a section per capability with the person's data and nobody else's, then erases it everywhere", async () => {
    const { key, ada, bob, cy, slug, idea, other, anonymousId } = await seed();

    const res = await call(`/api/v1/contacts/${ada.contactId}/export`, { key });
    const doc = await ok<Record<string, Record<string, unknown[]>> & { format: string; generatedAt: string }>(res);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    expect(doc).toMatchObject({ format: "rapport.contact-export", version: 1, contactId: ada.contactId });
    expect(Date.parse(doc.generatedAt)).not.toBeNaN();
    const n = (section: string, part: string) => doc[section][part].length;
    expect(doc.emails.contact).toMatchObject({ email: ada.email, name: ada.name });
    expect(doc.emails.consent).toMatchObject({ marketing: true });
    expect(n("emails", "messages")).toBeGreaterThanOrEqual(2); // the NPS invitation and the status confirmation
    expect(n("emails", "aliases")).toBe(1);
    // Her two Segment events, and what she did in every capability, recorded on the contact graph.
    expect((doc.emails.events as Array<{ event: string }>).map((e) => e.event).sort()).toEqual([
      "feedback_comment",
      "feedback_post",
      "feedback_vote",
      "feedback_vote",
      "login",
      "nps_answered",
      "referral_converted",
      "referral_enrolled",
      "referral_reward_earned",
      "referral_reward_earned",
      "status_subscribed",
      "viewed_pricing",
    ]);
    expect([n("referrals", "enrolments"), n("referrals", "links"), n("referrals", "referredCustomers")]).toEqual([
      1, 1, 1,
    ]);
    expect(n("referrals", "referredBy")).toBe(1);
    expect(doc.referrals.conversions.map((c) => (c as { as: string }).as).sort()).toEqual(["referee", "referrer"]);
    expect(n("referrals", "rewards")).toBe(2); // as referrer (for Bob) and as referee (from Cy)
    expect([n("feedback", "posts"), n("feedback", "comments"), n("feedback", "votes")]).toEqual([1, 1, 2]);
    expect(n("feedback", "subscriptions")).toBe(2);
    expect(n("status", "subscriptions")).toBe(1);
    expect(doc.nps.answers).toEqual([expect.objectContaining({ score: 9, comment: `Night owl ${uid}` })]);
    expect(n("nps", "sends")).toBe(1);
    expect(doc.kpis).toEqual({ targetsOwned: [], alertsReceived: [] });
    const text = JSON.stringify(doc).toLowerCase();
    for (const other of [bob, cy]) {
      for (const v of [other.email, other.externalId, other.name, other.contactId ?? "?"]) {
        expect(text, v).not.toContain(v.toLowerCase());
      }
    }

    const before = await aggregates(key, slug, [idea.id, other.id]);
    expect(before.votes).toEqual([2, 1]);
    expect(Object.keys(before.kpis).sort()).toEqual([...KEPT_KPIS].sort());
    expect(before.kpis.nps.value).toBe(0); // a promoter (Ada) and a detractor (Bob)
    expect(before.kpis.feedback_implementation.value).toBeGreaterThan(0); // Ada's idea shipped
    expect(await rowsMentioning([ada.email])).not.toEqual({}); // the scan sees the person before

    const erased = await call(`/api/v1/contacts/${ada.contactId}`, { method: "DELETE", key });
    const body = await ok<{ opaqueContactId: string; report: Record<string, Record<string, number>> }>(erased);
    expect(body.opaqueContactId).toMatch(/^ct_/);
    expect(body.report).toMatchObject({
      referrals: { enrolments: 1, linksDeactivated: 1, attributionsAsReferee: 1, conversions: 1, rewardsKept: 2 },
      feedback: { postsAnonymised: 1, commentsAnonymised: 1, votesKeptAnonymous: 2 },
      status: { subscriptionsDeleted: 1 },
      nps: { answersKeptAnonymous: 1, sendsKeptAnonymous: 1 },
      emails: { suppressedAddresses: 1 },
      platform: { contacts: 1 },
    });
    expect(body.report.emails).toMatchObject({ events: 12, aliases: 1 });
    expect(body.report.emails.messages).toBeGreaterThanOrEqual(2);

    const traces = [ada.email, ada.name, ada.externalId, ada.contactId ?? "?", anonymousId, `Night owl ${uid}`];
    expect(await rowsMentioning(traces)).toEqual({});
    expect(await aggregates(key, slug, [idea.id, other.id])).toEqual(before);
    // The referral link no longer redirects to a referral.
    const link = await env.DB.prepare(
      "select disabled_at from referral_links where referrer_id = (select id from referral_referrers where contact_id = ?)",
    )
      .bind(body.opaqueContactId)
      .first<{ disabled_at: number | null }>();
    expect(link?.disabled_at).toBeTypeOf("number");
    // Bob and Cy are untouched.
    expect(await rowsMentioning([bob.email])).not.toEqual({});
    await problem(await call(`/api/v1/contacts/${ada.contactId}`, { method: "DELETE", key }), 404, "not-found");
    await problem(await call(`/api/v1/contacts/${ada.contactId}/export`, { key }), 404, "not-found");
  });

  it("knows every table that points at a contact (a new one needs its capability's erase, or the erase fails)", async () => {
    const tables = await env.DB.prepare("select name, sql from sqlite_master where type = 'table'").all<{
      name: string;
      sql: string;
    }>();
    const fks = tables.results
      .flatMap((t) =>
        [...t.sql.matchAll(/FOREIGN KEY \(["`]?(\w+)["`]?\) REFERENCES ["`]?contacts["`]?/gi)].map(
          (m) => `${t.name}.${m[1]}`,
        ),
      )
      .sort();
    expect(fks).toEqual([
      "account_members.contact_id",
      "contact_aliases.contact_id",
      "contact_event_daily.contact_id",
      "contact_event_stats.contact_id",
      "email_events.contact_id",
      "email_profiles.contact_id",
      "feedback_comments.author_id",
      "feedback_notices_told.contact_id",
      "feedback_posts.author_id",
      "feedback_votes.contact_id",
      "kpi_targets.owner_contact_id",
      "nps_followups.contact_id",
      "nps_invitations.contact_id",
      "nps_promoter_invites.contact_id",
      "nps_responses.contact_id",
      "referral_attributions.customer_id",
      "referral_conversions.customer_id",
      "referral_referrers.contact_id",
    ]);
  });

  it("needs the admin scope, and a missing contact is a 404", async () => {
    const emailsKey = await newKey(["emails"]);
    await problem(await call("/api/v1/contacts/ct_nope", { method: "DELETE", key: emailsKey }), 403, "forbidden");
    await problem(await call("/api/v1/contacts/ct_nope", { method: "DELETE", key: await newKey() }), 404, "not-found");
  });
});
