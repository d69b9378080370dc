// Where a page's public surface lives, for the links on it.

/** `/status/<slug>` on the Worker's host, or the root of the page's own host. */
export type Site = {
  /** Origin of absolute links (feeds, Statuspage JSON). */
  origin: string;
  /** Path of the page: `/status/<slug>`, or "" on its own host. */
  root: string;
};

/** A path on the page's site (`/` for the page itself on its own host). */
export const sitePath = (site: Site, path = "") => `${site.root}${path}` || "/";
/** An absolute URL on the page's site. */
export const siteUrl = (site: Site, path = "") => `${site.origin}${site.root}${path}`;

/** The host name of `url` without a trailing dot; "" when `url` is not one (a PUBLIC_URL left empty). */
export const hostnameOf = (url: string) => (URL.canParse(url) ? new URL(url).hostname.replace(/\.$/, "") : "");
