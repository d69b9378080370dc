// Atom (RFC 4287) and RSS 2.0 feeds of a page's incidents and maintenance. Every text node goes
// through `xml()`: escaped, and without the characters XML 1.0 forbids.
import { xml } from "../lib/xml.ts";
import { type Site, siteUrl } from "./site.ts";
import type { IncidentView, Page } from "./types.ts";

const iso = (t: number) => new Date(t).toISOString();

function summary(i: IncidentView): string {
  const lines = i.updates.map((u) => `${u.status} (${iso(u.displayAt)}): ${u.body}`);
  if (i.kind === "maintenance" && i.scheduledFor && i.scheduledUntil) {
    lines.push(`Scheduled ${iso(i.scheduledFor)} to ${iso(i.scheduledUntil)}`);
  }
  if (i.postmortemPublishedAt && i.postmortemBody) lines.unshift(`Postmortem: ${i.postmortemBody}`);
  return lines.join("\n\n");
}

const title = (i: IncidentView) => `${i.kind === "maintenance" ? "[Maintenance] " : ""}${i.name}`;
const link = (site: Site, i: IncidentView) => siteUrl(site, `/incidents/${i.id}`);
const feedTitle = (page: Page) => `${page.name} status`;
const description = (page: Page) => `Incidents and maintenance of ${page.name}`;

export function atomFeed(page: Page, events: IncidentView[], site: Site): string {
  const updated = Math.max(page.updatedAt, ...events.map((e) => e.updatedAt));
  const entries = events.map(
    (i) => `  <entry>
    <id>${xml(`urn:rapport:status:${i.id}`)}</id>
    <title type="text">${xml(title(i))}</title>
    <link rel="alternate" type="text/html" href="${xml(link(site, i))}"/>
    <published>${iso(i.startedAt)}</published>
    <updated>${iso(i.updatedAt)}</updated>
    <category term="${xml(i.kind)}"/>
    <content type="text">${xml(summary(i))}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(`urn:rapport:status-page:${page.id}`)}</id>
  <title type="text">${xml(feedTitle(page))}</title>
  <subtitle type="text">${xml(description(page))}</subtitle>
  <link rel="alternate" type="text/html" href="${xml(siteUrl(site))}"/>
  <link rel="self" type="application/atom+xml" href="${xml(siteUrl(site, "/feed.atom"))}"/>
  <updated>${iso(updated)}</updated>
  <author><name>${xml(page.name)}</name></author>
${entries.join("\n")}
</feed>
`;
}

export function rssFeed(page: Page, events: IncidentView[], site: Site): string {
  const updated = Math.max(page.updatedAt, ...events.map((e) => e.updatedAt));
  const items = events.map(
    (i) => `    <item>
      <title>${xml(title(i))}</title>
      <link>${xml(link(site, i))}</link>
      <guid isPermaLink="false">${xml(i.id)}</guid>
      <pubDate>${new Date(i.startedAt).toUTCString()}</pubDate>
      <category>${xml(i.kind)}</category>
      <description>${xml(summary(i))}</description>
    </item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${xml(feedTitle(page))}</title>
    <link>${xml(siteUrl(site))}</link>
    <description>${xml(description(page))}</description>
    <atom:link rel="self" type="application/rss+xml" href="${xml(siteUrl(site, "/feed.rss"))}"/>
    <lastBuildDate>${new Date(updated).toUTCString()}</lastBuildDate>
${items.join("\n")}
  </channel>
</rss>
`;
}
