// Feeds read as a strict feed reader reads them: saxes, a conformant XML 1.0 parser (well-formedness,
// namespaces and the Char production), stops at the first error.
import { SaxesParser } from "saxes";

export type XmlElement = {
  /** Local name. */
  name: string;
  /** Namespace URI ("" for none). */
  ns: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
};

export const ATOM_NS = "http://www.w3.org/2005/Atom";

/** The document element of `text`; throws on anything a strict XML 1.0 parser rejects. */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on("error", (e) => {
    throw e;
  });
  parser.on("opentag", (tag) => {
    const el: XmlElement = {
      name: tag.local,
      ns: tag.uri,
      attrs: Object.fromEntries(Object.values(tag.attributes).map((a) => [a.name, a.value])),
      children: [],
      text: "",
    };
    stack.at(-1)?.children.push(el);
    root ??= el;
    stack.push(el);
  });
  parser.on("text", (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.on("cdata", (t) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  });
  parser.on("closetag", () => stack.pop());
  parser.write(text).close();
  if (!root) throw new Error("no document element");
  return root;
}

export const childrenNamed = (el: XmlElement, name: string, ns = el.ns) =>
  el.children.filter((c) => c.name === name && c.ns === ns);
export const child = (el: XmlElement, name: string, ns = el.ns) => childrenNamed(el, name, ns)[0];
const isDate = (s: string | undefined) =>
  Boolean(s && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));

/**
 * What RFC 4287 requires of an Atom feed: `feed` with an `id`, `title`, `updated` and an author
 * (on the feed or every entry); each entry an `id`, `title`, `updated`, and a link or content.
 * Returns the entry titles.
 */
export function checkAtom(text: string): string[] {
  const feed = parseXml(text);
  if (feed.name !== "feed" || feed.ns !== ATOM_NS) throw new Error(`not an Atom feed: ${feed.name}`);
  for (const name of ["id", "title", "updated"]) {
    if (childrenNamed(feed, name).length !== 1) throw new Error(`feed needs exactly one <${name}>`);
  }
  if (!isDate(child(feed, "updated").text)) throw new Error("feed <updated> is not an RFC 3339 date");
  const entries = childrenNamed(feed, "entry");
  const feedAuthor = child(feed, "author");
  if (feedAuthor && !child(feedAuthor, "name")?.text) throw new Error("feed <author> needs a <name>");
  for (const e of entries) {
    for (const name of ["id", "title", "updated"]) {
      if (childrenNamed(e, name).length !== 1) throw new Error(`entry needs exactly one <${name}>`);
    }
    if (!isDate(child(e, "updated").text)) throw new Error("entry <updated> is not an RFC 3339 date");
    if (!feedAuthor && !child(e, "author")) throw new Error("an author on the feed or on every entry");
    const alternate = childrenNamed(e, "link").find((l) => (l.attrs.rel ?? "alternate") === "alternate");
    if (!alternate?.attrs.href && !child(e, "content")) throw new Error("entry needs an alternate link or content");
  }
  return entries.map((e) => child(e, "title").text);
}

/** What RSS 2.0 requires: `rss version="2.0"`, one channel with title, link and description; items with a title or description. Returns the item titles. */
export function checkRss(text: string): string[] {
  const rss = parseXml(text);
  if (rss.name !== "rss" || rss.attrs.version !== "2.0") throw new Error("not RSS 2.0");
  const channels = childrenNamed(rss, "channel");
  if (channels.length !== 1) throw new Error("RSS needs exactly one <channel>");
  for (const name of ["title", "link", "description"]) {
    if (!child(channels[0], name)) throw new Error(`channel needs <${name}>`);
  }
  const items = childrenNamed(channels[0], "item");
  for (const item of items) {
    if (!child(item, "title") && !child(item, "description")) throw new Error("item needs a title or description");
    if (!child(item, "guid")?.text) throw new Error("item needs a <guid>");
    const pub = child(item, "pubDate")?.text;
    if (pub && Number.isNaN(Date.parse(pub))) throw new Error("item <pubDate> is not a date");
  }
  return items.map((i) => child(i, "title")?.text ?? "");
}

/** The `<link rel="alternate">` feeds an HTML page advertises in its head, as `type href` strings. */
export function advertisedFeeds(html: string): string[] {
  const head = html.slice(0, html.indexOf("</head>"));
  return [...head.matchAll(/<link\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /\brel="alternate"/.test(tag))
    .map((tag) => `${/\btype="([^"]+)"/.exec(tag)?.[1]} ${/\bhref="([^"]+)"/.exec(tag)?.[1]}`);
}
