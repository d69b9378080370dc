// Public HTML of a status page. Hono JSX escapes every interpolated value; no script is needed.
import type { ComponentStatus } from "../../db/schema/index.ts";
import { BASE_CSS } from "../lib/html.tsx";
import { STATUS_LABEL, UPDATE_LABEL } from "./labels.ts";
import { type Site, sitePath } from "./site.ts";
import type { Snapshot } from "./snapshot.ts";
import { type PageStatus, worstStatus } from "./statuspage.ts";
import type { IncidentView, Page } from "./types.ts";
import type { ComponentUptime, UptimeDay } from "./uptime.ts";

const CSS = `${BASE_CSS}
.banner{padding:1rem 1.25rem;border-radius:8px;color:#fff;font-weight:600;font-size:1.15rem;margin:1rem 0}
.ind-none{background:var(--ok)}.ind-minor{background:#b08800}.ind-major{background:#d1570f}.ind-critical{background:var(--bad)}.ind-maintenance{background:#3451b2}
.s-operational{color:var(--ok)}.s-degraded_performance{color:#b08800}.s-partial_outage{color:#d1570f}.s-major_outage{color:var(--bad)}.s-under_maintenance{color:#3451b2}
.group{border:1px solid var(--line);border-radius:8px;margin:1rem 0;padding:.25rem 1rem}
.comp{padding:.75rem 0;border-bottom:1px solid var(--line)}.comp:last-child{border-bottom:0}
.row{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.bars{display:block;width:100%;height:34px;margin-top:.35rem}.bars rect{width:8px;height:34px;rx:2px}
.u0{fill:#c9ced6}.u1{fill:#cf222e}.u2{fill:#d4a72c}.u3{fill:#8cc63f}.u4{fill:#2da44e}
.legend{display:flex;justify-content:space-between;font-size:.8em}
.incident{border-left:4px solid var(--bad);padding:.25rem 1rem;margin:1rem 0}.incident.maint{border-color:#3451b2}
.update{margin:.6rem 0}.update p{margin:.2rem 0;white-space:pre-wrap}
nav.links a{margin-right:1rem}
`;

/** Every link is a path on the page's site: its own host's root, or `/status/<slug>`. */
function Shell(props: { title: string; site: Site; children: unknown }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link
          rel="alternate"
          type="application/atom+xml"
          title="Incidents (Atom)"
          href={sitePath(props.site, "/feed.atom")}
        />
        <link
          rel="alternate"
          type="application/rss+xml"
          title="Incidents (RSS)"
          href={sitePath(props.site, "/feed.rss")}
        />
        <style>{CSS}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

const when = (t: number | null) => (t == null ? "" : `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`);

function barClass(u: number | null): string {
  if (u === null) return "u0";
  if (u >= 0.999) return "u4";
  if (u >= 0.99) return "u3";
  if (u >= 0.95) return "u2";
  return "u1";
}

const pct = (u: number | null) => (u === null ? "no data" : `${(u * 100).toFixed(2)}%`);

function dayTitle(d: UptimeDay): string {
  const m = d.minutes;
  const parts = [
    m.major_outage ? `down ${m.major_outage} min` : "",
    m.partial_outage ? `partial outage ${m.partial_outage} min` : "",
    m.degraded_performance ? `degraded ${m.degraded_performance} min` : "",
    m.under_maintenance ? `maintenance ${m.under_maintenance} min` : "",
  ].filter(Boolean);
  return `${d.date}: ${pct(d.uptime)}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/** 90 days as an SVG of bars; each bar's <title> names the day, its uptime and the minutes not up. */
function UptimeBars(props: { uptime: ComponentUptime }) {
  const days = props.uptime.days;
  return (
    <svg
      class="bars"
      viewBox={`0 0 ${days.length * 10} 34`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${props.uptime.name}: ${pct(props.uptime.uptime)} uptime over ${days.length} days`}
    >
      {days.map((d, i) => (
        <rect x={i * 10} class={barClass(d.uptime)}>
          <title>{dayTitle(d)}</title>
        </rect>
      ))}
    </svg>
  );
}

export function IncidentCard(props: { incident: IncidentView; site: Site; link?: boolean }) {
  const i = props.incident;
  const maintenance = i.kind === "maintenance";
  return (
    <article class={maintenance ? "incident maint" : "incident"} id={i.id}>
      <h3>
        {props.link ? <a href={sitePath(props.site, `/incidents/${i.id}`)}>{i.name}</a> : i.name}{" "}
        <span class="badge">{maintenance ? "maintenance" : `impact: ${i.impact}`}</span>
      </h3>
      {maintenance ? (
        <p class="muted">
          Scheduled {when(i.scheduledFor)} – {when(i.scheduledUntil)}
        </p>
      ) : null}
      {i.updates.map((u) => (
        <div class="update">
          <strong>{UPDATE_LABEL[u.status] ?? u.status}</strong> <span class="muted">{when(u.displayAt)}</span>
          <p>{u.body}</p>
        </div>
      ))}
      {i.postmortemPublishedAt && i.postmortemBody ? (
        <div class="update">
          <strong>Postmortem</strong> <span class="muted">{when(i.postmortemPublishedAt)}</span>
          <p>{i.postmortemBody}</p>
        </div>
      ) : null}
    </article>
  );
}

function ComponentRow(props: {
  name: string;
  description?: string | null;
  status: ComponentStatus;
  uptime?: ComponentUptime;
}) {
  return (
    <div class="comp">
      <div class="row">
        <strong>{props.name}</strong>
        <span class={`s-${props.status}`}>{STATUS_LABEL[props.status]}</span>
      </div>
      {props.description ? <div class="muted">{props.description}</div> : null}
      {props.uptime ? (
        <>
          <UptimeBars uptime={props.uptime} />
          <div class="legend muted">
            <span>{props.uptime.days.length} days ago</span>
            <span>{pct(props.uptime.uptime)} uptime</span>
            <span>Today</span>
          </div>
        </>
      ) : null}
    </div>
  );
}

function IncidentSection(props: { id: string; title: string; incidents: IncidentView[]; site: Site }) {
  if (!props.incidents.length) return null;
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.incidents.map((i) => (
        <IncidentCard incident={i} site={props.site} link />
      ))}
    </section>
  );
}

export function StatusPageHtml(props: {
  snap: Snapshot;
  site: Site;
  status: PageStatus;
  uptime: ComponentUptime[];
  partialWeight: number;
  active: IncidentView[];
  maintenance: IncidentView[];
}) {
  const { snap, site } = props;
  const uptimeOf = new Map(props.uptime.map((u) => [u.id, u]));
  const grouped = new Set(snap.groups.map((g) => g.id));
  const loose = snap.components.filter((c) => !c.groupId || !grouped.has(c.groupId));
  return (
    <Shell title={`${snap.page.name} status`} site={site}>
      <main>
        <h1>{snap.page.name}</h1>
        {snap.page.description ? <p class="muted">{snap.page.description}</p> : null}
        <div class={`banner ind-${props.status.indicator}`} role="status">
          {props.status.description}
        </div>
        <IncidentSection id="active-h" title="Active incidents" incidents={props.active} site={site} />
        <section aria-labelledby="components-h">
          <h2 id="components-h">Components</h2>
          {snap.groups.map((g) => {
            const members = snap.components.filter((c) => c.groupId === g.id);
            return (
              <section class="group" aria-label={g.name}>
                <div class="comp row">
                  <h3 style="margin:0">{g.name}</h3>
                  <span class={`s-${worstStatus(members.map((m) => m.status))}`}>
                    {STATUS_LABEL[worstStatus(members.map((m) => m.status))]}
                  </span>
                </div>
                {members.map((c) => (
                  <ComponentRow
                    name={c.name}
                    description={c.description}
                    status={c.status}
                    uptime={uptimeOf.get(c.id)}
                  />
                ))}
              </section>
            );
          })}
          {loose.length ? (
            <section class="group">
              {loose.map((c) => (
                <ComponentRow name={c.name} description={c.description} status={c.status} uptime={uptimeOf.get(c.id)} />
              ))}
            </section>
          ) : null}
          <p class="muted">
            Uptime counts a major outage as down, a partial outage as {Math.round(props.partialWeight * 100)}% down and
            degraded performance as up; maintenance is left out.
          </p>
        </section>
        <IncidentSection id="maint-h" title="Scheduled maintenance" incidents={props.maintenance} site={site} />
        <section aria-labelledby="sub-h">
          <h2 id="sub-h">Get updates</h2>
          <form method="post" action={sitePath(site, "/subscribe")}>
            <label for="sub-email">Email</label>{" "}
            <input id="sub-email" name="email" type="email" required maxlength={254} autocomplete="email" />{" "}
            <button type="submit">Subscribe</button>
            <details>
              <summary>Only some components</summary>
              {snap.groups.map((g) => (
                <fieldset>
                  <legend>
                    <label>
                      <input type="checkbox" name="groupIds" value={g.id} /> All of {g.name} (and what is added to it)
                    </label>
                  </legend>
                  {snap.components
                    .filter((c) => c.groupId === g.id)
                    .map((c) => (
                      <label style="display:inline-block;margin-right:1rem">
                        <input type="checkbox" name="componentIds" value={c.id} /> {c.name}
                      </label>
                    ))}
                </fieldset>
              ))}
              {loose.map((c) => (
                <label style="display:inline-block;margin-right:1rem">
                  <input type="checkbox" name="componentIds" value={c.id} /> {c.name}
                </label>
              ))}
            </details>
          </form>
          <p class="muted">
            You confirm by email first; every message has a one-click unsubscribe link. Nothing ticked means the whole
            page.
          </p>
        </section>
        <nav class="links">
          <a href={sitePath(site, "/history")}>Incident history</a>
          <a href={sitePath(site, "/feed.atom")}>Atom</a>
          <a href={sitePath(site, "/feed.rss")}>RSS</a>
          <a href={sitePath(site, "/api/v2/summary.json")}>JSON API</a>
        </nav>
      </main>
    </Shell>
  );
}

export function HistoryHtml(props: { snap: Snapshot; site: Site; events: IncidentView[] }) {
  const { site } = props;
  const months = new Map<string, IncidentView[]>();
  for (const e of props.events) {
    const m = new Date(e.startedAt).toISOString().slice(0, 7);
    months.set(m, [...(months.get(m) ?? []), e]);
  }
  return (
    <Shell title={`${props.snap.page.name} incident history`} site={site}>
      <main>
        <p>
          <a href={sitePath(site)}>← {props.snap.page.name} status</a>
        </p>
        <h1>Incident history</h1>
        {props.events.length ? null : <p class="muted">No incidents reported.</p>}
        {[...months].map(([month, list]) => (
          <section>
            <h2>{month}</h2>
            {list.map((i) => (
              <IncidentCard incident={i} site={site} link />
            ))}
          </section>
        ))}
      </main>
    </Shell>
  );
}

export function IncidentHtml(props: { snap: Snapshot; site: Site; incident: IncidentView }) {
  const { site } = props;
  return (
    <Shell title={`${props.incident.name} · ${props.snap.page.name}`} site={site}>
      <main>
        <p>
          <a href={sitePath(site)}>← {props.snap.page.name} status</a>
        </p>
        <IncidentCard incident={props.incident} site={site} />
      </main>
    </Shell>
  );
}

/** A short page answering a form or a link (subscribe, confirm, unsubscribe). */
export function MessageHtml(props: {
  page: Page;
  site: Site;
  title: string;
  text: string;
  action?: { label: string };
}) {
  return (
    <Shell title={`${props.title} · ${props.page.name}`} site={props.site}>
      <main>
        <p>
          <a href={sitePath(props.site)}>← {props.page.name} status</a>
        </p>
        <h1>{props.title}</h1>
        <p>{props.text}</p>
        {props.action ? (
          <form method="post">
            <button type="submit">{props.action.label}</button>
          </form>
        ) : null}
      </main>
    </Shell>
  );
}
