import { Marked, type Tokens } from "marked";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/** Only these schemes may become a link; anything else (javascript:, data:, vbscript:) is shown as text. */
const SAFE_HREF = /^(https?:|mailto:|\/(?!\/)|#)/i;

function safeHref(href: string): string | null {
  const h = href.trim();
  return SAFE_HREF.test(h) ? h : null;
}

// One instance with its own renderer: raw HTML is dropped, links are checked, images become links.
const md = new Marked({ gfm: true, breaks: true, async: false });
md.use({
  renderer: {
    html: () => "",
    link(this: { parser: { parseInline(t: Tokens.Generic[]): string } }, token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      const href = safeHref(token.href);
      if (!href) return text;
      return `<a href="${escapeHtml(href)}" rel="nofollow ugc noopener">${text}</a>`;
    },
    image(token: Tokens.Image) {
      const href = safeHref(token.href);
      const alt = escapeHtml(token.text || token.href);
      return href ? `<a href="${escapeHtml(href)}" rel="nofollow ugc noopener">${alt}</a>` : alt;
    },
  },
});

/** Markdown -> safe HTML, done once at write. Raw HTML in the source is stripped, not escaped-and-shown. */
export function renderMarkdown(source: string): string {
  return md.parse(source) as string;
}
