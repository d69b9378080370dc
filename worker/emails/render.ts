// Templates (Liquid, every HTML variable escaped) and per-message tracking.
import { Liquid } from "liquidjs";
import { signLink } from "./signing.ts";

// HTML output escapes every variable; subject and text are plain text, so they are not escaped.
const htmlEngine = new Liquid({ outputEscape: "escape", ownPropertyOnly: true, cache: 200 });
const textEngine = new Liquid({ ownPropertyOnly: true, cache: 200 });

export type TemplateParts = { subject: string; html: string; text: string };

/** Every variable a template may use, as the editor lists them (`*`: any name below). */
export const TEMPLATE_VARIABLES = [
  { name: "contact.first_name", description: "The first_name trait, else the first word of the name", example: "Ada" },
  { name: "contact.name", description: "The contact's name", example: "Ada Lovelace" },
  { name: "contact.email", description: "The address the email goes to", example: "ada@example.com" },
  { name: "contact.external_id", description: "The host app's user id", example: "user-42" },
  { name: "contact.id", description: "Rapport's contact id", example: "ct_01J…" },
  { name: "contact.timezone", description: "The contact's IANA timezone, if known", example: "Europe/London" },
  { name: "traits.*", description: "A trait the host app sent (identify), e.g. traits.plan", example: "pro" },
  { name: "contact.traits.*", description: "The same traits, under contact", example: "pro" },
  { name: "event.name", description: "The event that made the contact enter the trigger", example: "signed_up" },
  {
    name: "event.properties.*",
    description: "Properties given to a preview; a triggered send has none, so give them a default",
    example: "Intro course",
  },
  { name: "trigger.id", description: "The trigger that sent it", example: "trg_01J…" },
  { name: "trigger.name", description: "The trigger's name", example: "Welcome" },
  { name: "unsubscribe_url", description: "One-click unsubscribe link (signed)", example: "https://…/e/u/…" },
  { name: "preferences_url", description: "The contact's email preferences page (signed)", example: "https://…/e/p/…" },
] as const;

/** Known names below each root variable; `null`: any name (traits, properties). */
const KNOWN = new Map<string, ReadonlySet<string> | null>();
for (const { name } of TEMPLATE_VARIABLES) {
  const [root, child] = name.split(".");
  if (child === undefined) KNOWN.set(root, new Set());
  else if (child === "*") KNOWN.set(root, null);
  else if (KNOWN.get(root) !== null) KNOWN.set(root, new Set([...(KNOWN.get(root) ?? []), child]));
}
const ROOTS = [...KNOWN.keys()].map((r) => (KNOWN.get(r)?.size === 0 ? r : `${r}.…`)).join(", ");

/** Why `segments` (one variable as liquidjs splits it) names nothing a template is given, or null. */
function unknownVariable(segments: unknown[]): string | null {
  const [root, child] = segments;
  if (typeof root !== "string") return null;
  const shown = segments.filter((s) => typeof s === "string" || typeof s === "number").join(".");
  if (!KNOWN.has(root)) {
    const near = KNOWN.get("contact")?.has(root) ? ` (did you mean contact.${root}?)` : "";
    return `“${shown}” is not a variable${near}. Variables are ${ROOTS}`;
  }
  const children = KNOWN.get(root);
  if (!children?.size || typeof child !== "string" || children.has(child)) return null;
  return `“${shown}” is not a variable. ${root} has ${[...children].map((c) => `${root}.${c}`).join(", ")}`;
}

/** Parse errors and unknown variables per part, for a clear 400 before a broken template is stored. */
export function templateErrors(t: TemplateParts): Array<{ path: string; message: string }> {
  const errors: Array<{ path: string; message: string }> = [];
  for (const part of ["subject", "html", "text"] as const) {
    const engine = part === "html" ? htmlEngine : textEngine;
    try {
      const unknown = engine
        .globalVariableSegmentsSync(engine.parse(t[part]))
        .map(unknownVariable)
        .find((m) => m !== null);
      if (unknown) errors.push({ path: `body.${part}`, message: unknown });
    } catch (e) {
      errors.push({ path: `body.${part}`, message: e instanceof Error ? e.message.split("\n")[0] : "invalid" });
    }
  }
  return errors;
}

export async function renderTemplate(t: TemplateParts, vars: Record<string, unknown>): Promise<TemplateParts> {
  const [subject, html, text] = await Promise.all([
    textEngine.parseAndRender(t.subject, vars),
    htmlEngine.parseAndRender(t.html, vars),
    textEngine.parseAndRender(t.text, vars),
  ]);
  // A subject is one header line.
  return {
    subject: subject
      .replace(/[\r\n]+/g, " ")
      .trim()
      .slice(0, 998),
    html,
    text,
  };
}

export type ContactVars = {
  id: string;
  externalId: string;
  email: string | null;
  name: string | null;
  timezone: string | null;
  traits: Record<string, unknown>;
};

/** The variables a template sees. */
export function templateVars(
  contact: ContactVars | null,
  extra: { event?: unknown; trigger?: unknown; unsubscribeUrl: string; preferencesUrl: string | null },
) {
  const traits = contact?.traits ?? {};
  const firstName = typeof traits.first_name === "string" ? traits.first_name : contact?.name?.split(" ")[0];
  return {
    contact: contact
      ? {
          id: contact.id,
          external_id: contact.externalId,
          email: contact.email,
          name: contact.name,
          first_name: firstName ?? null,
          timezone: contact.timezone,
          traits,
        }
      : null,
    traits,
    event: extra.event ?? null,
    trigger: extra.trigger ?? null,
    unsubscribe_url: extra.unsubscribeUrl,
    preferences_url: extra.preferencesUrl,
  };
}

const NAMED: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" };
/** One pass, so `&amp;#38;` stays `&#38;`; numeric references too (`&#38;` is as common as `&amp;`). */
const unescapeAttr = (s: string) =>
  s.replace(/&(?:#(\d{1,7})|#x([\da-f]{1,6})|(amp|quot|apos|lt|gt));/gi, (all, dec, hex, name) => {
    if (name) return NAMED[name.toLowerCase()];
    const code = dec ? Number(dec) : Number.parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });

/**
 * Rewrites every absolute http(s) link through Rapport's signed click redirect and adds an
 * open pixel. Returns the links to store: the redirect goes to the stored URL only.
 */
export async function addTracking(
  html: string,
  o: { messageId: string; base: string; secret: string; newLinkId: () => string },
): Promise<{ html: string; links: Array<{ id: string; url: string }> }> {
  const links: Array<{ id: string; url: string }> = [];
  const own = `${o.base}/e/`;
  const parts: Array<string | Promise<string>> = [];
  let last = 0;
  for (const m of html.matchAll(/href\s*=\s*"(https?:\/\/[^"]+)"/gi)) {
    const url = unescapeAttr(m[1]);
    parts.push(html.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    if (url.startsWith(own) || url.length > 2000) {
      parts.push(m[0]);
      continue;
    }
    const id = o.newLinkId();
    links.push({ id, url });
    parts.push(signLink(o.secret, "c", id).then((sig) => `href="${o.base}/e/c/${id}/${sig}"`));
  }
  parts.push(html.slice(last));
  const sig = await signLink(o.secret, "o", o.messageId);
  const pixel = `<img src="${o.base}/e/o/${o.messageId}/${sig}.gif" width="1" height="1" alt="" style="display:none">`;
  const body = (await Promise.all(parts)).join("");
  const out = /<\/body>/i.test(body) ? body.replace(/<\/body>/i, `${pixel}</body>`) : body + pixel;
  return { html: out, links };
}
