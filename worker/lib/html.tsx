import type { Child } from "hono/jsx";

/** A feed a page advertises to feed readers and browsers. */
export type FeedLink = { href: string; title: string; type?: "application/atom+xml" | "application/rss+xml" };

/** Shared shell for every public page. Hono JSX escapes every interpolated value. */
export function Layout(props: { title: string; description?: string; feeds?: FeedLink[]; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="/console/favicon.svg" type="image/svg+xml" />
        <title>{props.title}</title>
        {props.description ? <meta name="description" content={props.description} /> : null}
        {(props.feeds ?? []).map((f) => (
          <link rel="alternate" type={f.type ?? "application/atom+xml"} title={f.title} href={f.href} />
        ))}
        <style>{BASE_CSS}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

export const BASE_CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--line:#e3e6ea;--accent:#3451b2;--ok:#1a7f37;--warn:#b08800;--bad:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa4b1;--bg:#0f1216;--line:#2a3038;--accent:#8da2fb}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:2rem 1rem}a{color:var(--accent)}h1,h2,h3{line-height:1.25}
code,pre{font:0.9em ui-monospace,SFMono-Regular,Menlo,monospace}pre{overflow:auto;padding:.75rem;border:1px solid var(--line);border-radius:6px}
.muted{color:var(--muted)}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:.4rem;text-align:left;vertical-align:top}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;border:1px solid var(--line);font-size:.8em}
`;
