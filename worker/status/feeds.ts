// Atom and RSS feeds of a page's incidents and maintenance. Every text node is XML-escaped.
import type { IncidentView } from "./incidents.ts";
import type { Page } from "./store.ts";

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
/** Escapes text for XML and drops characters XML 1.0 cannot carry. */
export const xml = (s: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]);

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
const link = (base: string, page: Page, i: IncidentView) => `${base}/status/${page.slug}/incidents/${i.id}`;

export function atomFeed(page: Page, events: IncidentView[], publicUrl: string): string {
  const base = publicUrl.replace(/\/$/, "");
  const updated = Math.max(page.updatedAt, ...events.map((e) => e.updatedAt));
  const entries = events.map(
    (i) => `  <entry>
    <id>${xml(`urn:rapport:status:${i.id}`)}</id>
    <title>${xml(title(i))}</title>
    <link rel="alternate" type="text/html" href="${xml(link(base, page, i))}"/>
    <published>${iso(i.startedAt)}</published>
    <updated>${iso(i.updatedAt)}</updated>
    <category term="${xml(i.kind)}"/>
    <content type="text">${xml(summary(i))}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(`urn:rapport:status-page:${page.id}`)}</id>
  <title>${xml(`${page.name} status`)}</title>
  <link rel="alternate" type="text/html" href="${xml(`${base}/status/${page.slug}`)}"/>
  <link rel="self" type="application/atom+xml" href="${xml(`${base}/status/${page.slug}/feed.atom`)}"/>
  <updated>${iso(updated)}</updated>
${entries.join("\n")}
</feed>
`;
}

export function rssFeed(page: Page, events: IncidentView[], publicUrl: string): string {
  const base = publicUrl.replace(/\/$/, "");
  const items = events.map(
    (i) => `    <item>
      <guid isPermaLink="false">${xml(i.id)}</guid>
      <title>${xml(title(i))}</title>
      <link>${xml(link(base, page, i))}</link>
      <pubDate>${new Date(i.startedAt).toUTCString()}</pubDate>
      <category>${xml(i.kind)}</category>
      <description>${xml(summary(i))}</description>
    </item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>${xml(`${page.name} status`)}</title>
    <link>${xml(`${base}/status/${page.slug}`)}</link>
    <description>${xml(`Incidents and maintenance of ${page.name}`)}</description>
${items.join("\n")}
  </channel>
</rss>
`;
}
