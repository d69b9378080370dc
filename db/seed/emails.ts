import { type SQL, sql } from "drizzle-orm";
import { rollupRebuild } from "../../worker/emails/index.ts";
import { newId } from "../../worker/lib/ids.ts";
import { emailTemplates, emailTriggers } from "../schema/index.ts";
import { DAY, type SeedContext } from "./context.ts";

const CONTACTS = 3000;
const HISTORY_DAYS = 120;

const SEGMENTS = ["fitness", "learning", "saas"] as const;
const ROLES = ["founder", "marketer", "engineer", "designer", "student", "coach"];
const INDUSTRIES = ["software", "retail", "education", "health", "media"];
const GOALS = ["lose weight", "run a 10k", "learn Spanish", "ship faster", "grow revenue"];
const PLANS = ["free", "free", "pro", "team"];
const ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC"];
const FEATURES = ["dashboards", "exports", "reminders", "integrations"];

const TEMPLATES = [
  {
    key: "welcome",
    name: "Welcome guide by segment",
    subject: "Welcome, {{ contact.first_name | default: 'there' }}: your {{ traits.segment }} guide",
    html: `<h1>Welcome {{ contact.first_name | default: "there" }}!</h1>
{% case traits.segment %}{% when "fitness" %}<p>Your first week: three short workouts toward <strong>{{ traits.goal }}</strong>.</p>
{% when "learning" %}<p>Start with lesson one: ten minutes a day toward <strong>{{ traits.goal }}</strong>.</p>
{% else %}<p>Connect your first data source and build a dashboard in five minutes.</p>{% endcase %}
<p><a href="https://example.com/guides/{{ traits.segment }}">Open your guide</a></p>
<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Preferences</a></p>`,
    text: "Welcome {{ contact.first_name }}! Your guide: https://example.com/guides/{{ traits.segment }}\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "first-login",
    name: "First-login nudge",
    subject: "Your account is ready when you are",
    html: `<p>Hi {{ contact.first_name | default: "there" }}, you signed up but have not logged in yet.</p><p><a href="https://example.com/login">Log in</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "You signed up but have not logged in yet: https://example.com/login\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "adoption",
    name: "Feature adoption",
    subject: "You are getting the hang of it: try integrations next",
    html: `<p>You have used Rapport features three times. Teams like yours ({{ traits.industry }}) connect integrations next.</p><p><a href="https://example.com/integrations">See integrations</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "Try integrations next: https://example.com/integrations\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "inactive-3d",
    name: "3 days without a workout: video and offer",
    subject: "{{ contact.first_name | default: 'Hey' }}, a 10-minute workout and 20% off",
    html: `<p>Missed a few days? This 10-minute video gets you back on track for <strong>{{ traits.goal }}</strong>.</p><p><a href="https://example.com/videos/comeback">Watch the video</a></p><p>Use code <strong>BACK20</strong> for 20% off Pro this week.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "10-minute comeback video: https://example.com/videos/comeback\nCode BACK20: 20% off Pro.\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "winback-30d",
    name: "30-day win-back",
    subject: "We miss you, {{ contact.first_name | default: 'friend' }}",
    html: `<p>It has been a month. Here is what changed since your last visit.</p><p><a href="https://example.com/whats-new">What's new</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "What's new: https://example.com/whats-new\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "course-complete",
    name: "Course completion",
    subject: "Congratulations on finishing {{ event.properties.course | default: 'your course' }}!",
    html: `<h1>Well done, {{ contact.first_name | default: "you" }}!</h1><p>Share your certificate or pick the next course.</p><p><a href="https://example.com/courses">Next course</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "Congratulations! Next course: https://example.com/courses\nUnsubscribe: {{ unsubscribe_url }}",
  },
  {
    key: "churn",
    name: "Churn risk check-in",
    subject: "Can we help?",
    html: `<p>We noticed you have been away. Reply to this email and a person will help.</p><p><a href="https://example.com/help">Get help</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`,
    text: "Get help: https://example.com/help\nUnsubscribe: {{ unsubscribe_url }}",
  },
] as const;

type TemplateKey = (typeof TEMPLATES)[number]["key"];

const TRIGGERS: Array<{
  template: TemplateKey;
  name: string;
  topic: "marketing" | "product_updates" | "transactional";
  rule: Record<string, unknown>;
}> = [
  {
    template: "welcome",
    name: "Welcome by segment (within 24 h)",
    topic: "product_updates",
    rule: { entry: { kind: "first_event", event: "signed_up", lookbackHours: 24 }, delay: { kind: "hours", hours: 1 } },
  },
  {
    template: "first-login",
    name: "First-login nudge",
    topic: "product_updates",
    rule: {
      entry: { kind: "first_event", event: "signed_up", lookbackHours: 48 },
      delay: { kind: "hours", hours: 24 },
      exit: { event: "logged_in" },
      conversion: { event: "logged_in", withinDays: 3 },
    },
  },
  {
    template: "adoption",
    name: "Feature adoption (3 uses)",
    topic: "product_updates",
    rule: {
      entry: { kind: "count_reached", event: "feature_used", count: 3 },
      conversion: { event: "integration_connected", withinDays: 14 },
    },
  },
  {
    template: "inactive-3d",
    name: "3 days without a workout: video + offer",
    topic: "marketing",
    rule: {
      entry: { kind: "absence", event: "workout_logged", days: 3 },
      filters: [{ trait: "segment", op: "eq", value: "fitness" }],
      delay: { kind: "local_time", hour: 9, minute: 0 },
      exit: { event: "workout_logged" },
      conversion: { event: "workout_logged", withinDays: 7 },
    },
  },
  {
    template: "winback-30d",
    name: "30-day win-back",
    topic: "marketing",
    rule: {
      entry: { kind: "absence", days: 30 },
      delay: { kind: "local_time", hour: 10, minute: 0 },
      conversion: { event: "logged_in", withinDays: 14 },
    },
  },
  {
    template: "course-complete",
    name: "Course completion congratulations",
    topic: "transactional",
    rule: { entry: { kind: "event", event: "course_completed", lookbackHours: 48 } },
  },
  {
    template: "churn",
    name: "Churn risk ≥ 0.7 check-in",
    topic: "marketing",
    rule: {
      entry: { kind: "churn_risk", minInactiveDays: 3 },
      conversion: { event: "logged_in", withinDays: 14 },
    },
  },
];

const list = (items: readonly string[]) => JSON.stringify(items);
/** A deterministic pick from `items` by an integer SQL expression. */
const pickSql = (items: readonly string[], by: string) =>
  sql.raw(`json_extract('${list(items)}', '$[' || ((${by}) % ${items.length}) || ']')`);

/**
 * Demo data for emails, generated inside D1 with set-based SQL (a few statements instead of
 * a hundred thousand bound rows): contacts with habits (daily, regular, weekly, lapsing,
 * churned, by contact number mod 10), months of events, the seeds' trigger series and history.
 */
export async function seedEmails(ctx: SeedContext): Promise<void> {
  const { db, now } = ctx;
  const run = (q: ReturnType<typeof sql>) => db.run(q);
  const days = sql.raw(`with recursive d(n) as (select 1 union all select n + 1 from d where n < ${HISTORY_DAYS})`);
  const n = sql.raw(`with recursive d(n) as (select 1 union all select n + 1 from d where n < ${CONTACTS})`);
  const first = ["Ada", "Grace", "Alan", "Linus", "Maya", "Noor", "Kenji", "Lea", "Omar", "Sofia"];
  const last = ["Lovelace", "Hopper", "Turing", "Torvalds", "Angelou", "Rahman", "Sato"];
  await run(sql`${n} insert into contacts (id, external_id, email, name, timezone, traits, first_seen_at, last_seen_at)
    select 'ct_seed' || printf('%05d', n), 'app-user-' || printf('%05d', n),
      lower(${pickSql(first, "n")}) || '.' || n || '@example.com',
      ${pickSql(first, "n")} || ' ' || ${pickSql(last, "n * 3")},
      ${pickSql(ZONES, "n * 7")},
      json_object('first_name', ${pickSql(first, "n")}, 'segment', ${pickSql(SEGMENTS, "n * 11 / 10")},
        'role', ${pickSql(ROLES, "n * 5")}, 'industry', ${pickSql(INDUSTRIES, "n * 13")},
        'goal', ${pickSql(GOALS, "n * 17")}, 'plan', ${pickSql(PLANS, "n * 19")}),
      ${now} - (1 + (n * 7919) % ${HISTORY_DAYS}) * 86400000 - (n * 104729) % 86400000, ${now}
    from d where true on conflict do nothing`);
  const p = sql.raw(`p as (select c.id, cast(substr(c.external_id, 10) as integer) as k, c.first_seen_at as s,
      json_extract(c.traits, '$.segment') as seg from contacts c where c.external_id like 'app-user-%')`);
  await run(sql`with ${p} insert into email_profiles (contact_id, consent_marketing, consent_product_updates,
      traits_updated_at, updated_at)
    select id, (k * 31) % 10 < 7, case when (k * 37) % 20 = 0 then 0 end, s, ${now} from p where true
    on conflict do nothing`);

  // Habit by k % 10: every how many days, and how many days ago activity stopped.
  const every = sql.raw(
    "case when k % 10 < 2 then 1 when k % 10 < 5 then 3 when k % 10 < 7 then 7 when k % 10 < 9 then 2 else 4 end",
  );
  const stop = sql.raw("case when k % 10 in (7, 8) then 3 + k % 10 when k % 10 = 9 then 30 + k % 31 else 0 end");
  const active = sql`p.s + d.n * 86400000 + (p.k * 37 % 12) * 3600000`;
  const insertEvents = (event: SQL, props: SQL, where: SQL, offsetMs: number, tag: string) =>
    run(sql`${days}, ${p}
      insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
      select 'ev_seed_${sql.raw(tag)}_' || p.k || '_' || d.n, 'seed-${sql.raw(tag)}-' || p.k || '-' || d.n, p.id, ${event}, ${props},
        ${active} + ${offsetMs}, ${active} + ${offsetMs}, 'ib_seed'
      from p join d on ${active} + ${offsetMs} < ${now} - ${stop} * 86400000 and d.n % ${every} = 0
      where p.k % 13 != 0 and ${where}`);
  await run(sql`with ${p} insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
    select 'ev_seed_su_' || k, 'seed-su-' || k, id, 'signed_up', json_object('segment', seg), s, s, 'ib_seed' from p`);
  // Every 13th contact never logs in (the first-login nudge's audience).
  await insertEvents(sql`'logged_in'`, sql`'{}'`, sql`1 = 1`, 0, "li");
  await insertEvents(
    sql`'workout_logged'`,
    sql`json_object('minutes', 10 + (p.k + d.n) % 50)`,
    sql`p.seg = 'fitness'`,
    600_000,
    "wo",
  );
  await insertEvents(
    sql`'lesson_completed'`,
    sql`json_object('lesson', 1 + d.n % 40)`,
    sql`p.seg = 'learning' and (p.k + d.n) % 5 < 3`,
    600_000,
    "le",
  );
  await insertEvents(
    sql`'feature_used'`,
    sql`json_object('feature', ${pickSql(FEATURES, "p.k + d.n")})`,
    sql`p.seg = 'saas' and (p.k + d.n) % 5 < 2`,
    300_000,
    "fu",
  );
  await insertEvents(
    sql`'order_completed'`,
    sql`json_object('amount', ${pickSql(["9", "19", "29", "49", "99"], "p.k * 3 + d.n")} + 0)`,
    sql`(p.k * 13 + d.n * 7) % 23 = 0`,
    900_000,
    "oc",
  );
  await run(sql`with ${p} insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
    select 'ev_seed_cc_' || k, 'seed-cc-' || k, id, 'course_completed',
      json_object('course', ${pickSql(["Spanish A1", "Statistics", "Design 101"], "k")}),
      ${now} - (1 + k % 60) * 86400000, ${now} - (1 + k % 60) * 86400000, 'ib_seed'
    from p where seg = 'learning' and k % 3 = 0 and s < ${now} - (1 + k % 60) * 86400000`);
  await run(sql`with ${p} insert into email_events (id, message_id, contact_id, event, properties, occurred_at, received_at, batch_id)
    select 'ev_seed_ic_' || k, 'seed-ic-' || k, id, 'integration_connected', '{}',
      ${now} - (1 + k % 50) * 86400000, ${now} - (1 + k % 50) * 86400000, 'ib_seed'
    from p where seg = 'saas' and k % 5 = 0 and s < ${now} - (1 + k % 50) * 86400000`);

  // Aggregates, exactly as ingestion keeps them.
  await run(sql`insert into contact_event_stats (contact_id, event, count, first_at, last_at, updated_at)
    select contact_id, event, count(*), min(occurred_at), max(occurred_at), max(occurred_at)
    from email_events where batch_id = 'ib_seed' group by contact_id, event
    on conflict (contact_id, event) do update set count = count + excluded.count,
      first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`);
  await run(sql`update email_profiles set (first_event_at, last_event_at, event_count) =
      (select min(occurred_at), max(occurred_at), count(*) from email_events e where e.contact_id = email_profiles.contact_id)
    where contact_id like 'ct_seed%'`);

  const templateIds = new Map<TemplateKey, string>();
  await ctx.insertMany(
    emailTemplates,
    TEMPLATES.map(({ key, ...t }) => {
      const id = newId("tpl", now - HISTORY_DAYS * DAY);
      templateIds.set(key, id);
      return { id, ...t, createdAt: now - HISTORY_DAYS * DAY, updatedAt: now - HISTORY_DAYS * DAY };
    }),
    "email templates",
  );
  const triggers = TRIGGERS.map((t) => ({
    id: newId("trg", now - 90 * DAY),
    name: t.name,
    enabled: true,
    templateId: templateIds.get(t.template) as string,
    topic: t.topic,
    minConfidence: 0.7,
    rule: { filters: [], delay: { kind: "none" }, ...t.rule },
    watermark: now,
    createdAt: now - 90 * DAY,
    updatedAt: now - 90 * DAY,
  }));
  await ctx.insertMany(emailTriggers, triggers, "email triggers");

  // Two months of history per trigger (one in ten contacts each), so the metrics have something to show.
  await run(sql`with ${p}, t as (select id, template_id, topic, name, rowid as r from email_triggers where id in (${sql.join(
    triggers.map((t) => sql`${t.id}`),
    sql`, `,
  )})),
    m as (select p.*, t.id as tid, t.template_id, t.topic, t.name as tname, t.r,
      ${now} - (1 + (p.k * 7 + t.r) % 60) * 86400000 + (p.k * 7919) % 86400000 as at,
      (p.k * 17 + t.r * 31) % 100 as roll
      from p join t on (p.k + t.r * 3) % 10 = 0)
    insert into email_messages (id, idempotency_key, contact_id, trigger_id, template_id, topic, to_address, subject,
      state, skip_reason, was_capped, confidence, attempts, send_after, provider, created_at, updated_at,
      sent_at, opened_at, clicked_at, opens, clicks, unsubscribed_at)
    select 'em_seed_' || m.r || '_' || m.k, 'trg:' || m.tid || ':' || m.id || ':seed', m.id, m.tid, m.template_id, m.topic,
      c.email, m.tname,
      case when roll < 12 then 'skipped' when roll < 16 then 'suppressed' else 'sent' end,
      case when roll < 7 then 'below_confidence' when roll < 12 then 'no_consent' when roll < 16 then 'unsubscribed' end,
      roll between 16 and 19,
      case when roll < 7 then 0.3 + roll * 0.05 else 0.7 + (roll % 30) / 100.0 end,
      case when roll >= 16 then 1 else 0 end, m.at, case when roll >= 16 then 'outbox' end, m.at, m.at,
      case when roll >= 16 then m.at end,
      case when roll >= 16 and (m.k * 3 + m.r) % 100 < 45 then m.at + (1 + m.k % 47) * 3600000 end,
      case when roll >= 16 and (m.k * 3 + m.r) % 100 < 14 then m.at + (2 + m.k % 47) * 3600000 end,
      case when roll >= 16 and (m.k * 3 + m.r) % 100 < 45 then 1 + m.k % 3 else 0 end,
      case when roll >= 16 and (m.k * 3 + m.r) % 100 < 14 then 1 else 0 end,
      case when roll = 99 then m.at + 86400000 end
    from m join contacts c on c.id = m.id`);
  // What the sent ones said, as delivery keeps it.
  await run(sql`insert into email_bodies (message_id, html, text)
    select m.id, '<p>Hi ' || json_extract(c.traits, '$.first_name') || '</p>', 'Hi ' || json_extract(c.traits, '$.first_name')
    from email_messages m join contacts c on c.id = m.contact_id where m.id like 'em_seed_%' and m.state = 'sent'`);
  // The daily rollups KPIs read, from the raw rows above, as ingestion and delivery keep them.
  for (const q of rollupRebuild(0, Math.floor(now / DAY) + 2)) await run(q);
  const [counts] =
    (await db.all(sql`select (select count(*) from contacts where external_id like 'app-user-%') as contacts,
    (select count(*) from email_events where batch_id = 'ib_seed') as events,
    (select count(*) from email_messages where id like 'em_seed_%') as messages`)) as Array<Record<string, number>>;
  ctx.log(
    `emails: ${counts.contacts} contacts, ${counts.events} events, ${triggers.length} triggers, ${counts.messages} messages`,
  );
}
