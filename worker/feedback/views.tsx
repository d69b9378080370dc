// Public HTML of feedback (Hono JSX: every interpolated value is escaped; bodies were sanitised at write).
import type { Child } from "hono/jsx";
import { POST_STATUSES } from "../../db/schema/index.ts";
import { type FeedLink, Layout } from "../lib/html.tsx";
import { xml } from "../lib/xml.ts";
import type { PostWithAuthor } from "./answers.ts";
import { statusLabel } from "./notices.ts";
import type { Board } from "./store/boards.ts";
import type { Category } from "./store/categories.ts";

export const FEEDBACK_CSS = `
.fb-nav{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}.fb-post{display:flex;gap:1rem;padding:.8rem 0;border-bottom:1px solid var(--line)}
.fb-votes{min-width:4rem;text-align:center}.fb-votes strong{display:block;font-size:1.3em}.fb-votes form{margin:0}
.fb-votes button,.fb-form button{cursor:pointer;border:1px solid var(--line);background:none;color:inherit;border-radius:6px;padding:.2rem .6rem}
.fb-voted button{border-color:var(--accent);color:var(--accent)}.fb-filters{display:flex;gap:.5rem;flex-wrap:wrap;margin:1rem 0}
.fb-filters input,.fb-filters select,.fb-form input,.fb-form textarea{font:inherit;padding:.3rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:inherit}
.fb-form textarea{width:100%;min-height:6rem}.fb-status{font-size:.8em}.fb-status-done{color:var(--ok)}.fb-status-declined{color:var(--bad)}
.fb-columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:1rem}.fb-card{border:1px solid var(--line);border-radius:8px;padding:.6rem;margin:.5rem 0}
.fb-team{border-left:3px solid var(--accent);padding-left:.6rem}.fb-comment{margin:1rem 0}.fb-timeline li{margin:.4rem 0}
`;

export type Card = {
  id: string;
  title: string;
  status: string;
  voteCount: number;
  commentCount?: number;
  tags: string[];
  category?: { id: string; name: string } | null;
  boardSlug: string;
  authorName?: string | null;
  contributor?: boolean;
};

/** A listed post as a card. */
export const cardOf = (r: PostWithAuthor): Card => ({
  id: r.post.id,
  title: r.post.title,
  status: r.post.status,
  voteCount: r.post.voteCount,
  commentCount: r.post.commentCount,
  tags: r.post.tags,
  category: r.post.categoryId && r.categoryName ? { id: r.post.categoryId, name: r.categoryName } : null,
  boardSlug: r.boardSlug,
  authorName: r.authorName,
  contributor: Boolean(r.contributor),
});

const fmtDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function Page(props: { title: string; description?: string; feeds?: FeedLink[]; children: Child }) {
  return (
    <Layout title={props.title} description={props.description} feeds={props.feeds}>
      <style>{FEEDBACK_CSS}</style>
      <main>{props.children}</main>
    </Layout>
  );
}

export const StatusBadge = (props: { status: string }) => (
  <span class={`badge fb-status fb-status-${props.status}`}>{statusLabel(props.status)}</span>
);

/** The post's category, linking to the board filtered by it. */
const CategoryBadge = (props: { card: Card }) =>
  props.card.category ? (
    <a class="badge fb-category" href={`/feedback/${props.card.boardSlug}?category=${props.card.category.id}`}>
      {props.card.category.name}
    </a>
  ) : null;

const ContributorBadge = (props: { on?: boolean }) =>
  props.on ? (
    <span class="badge" title="Has had an idea delivered">
      ★ Contributor
    </span>
  ) : null;

/** Vote or unvote as a plain form POST (identified visitors); a count only for everyone else. */
function VoteBox(props: { card: Card; voted: boolean; canVote: boolean }) {
  const { card } = props;
  return (
    <div class={`fb-votes${props.voted ? " fb-voted" : ""}`}>
      <strong>{card.voteCount}</strong>
      <span class="muted">{card.voteCount === 1 ? "vote" : "votes"}</span>
      {props.canVote && card.status !== "merged" ? (
        <form method="post" action={`/feedback/${card.boardSlug}/${card.id}/vote`}>
          <input type="hidden" name="action" value={props.voted ? "unvote" : "vote"} />
          <button type="submit" aria-pressed={props.voted ? "true" : "false"}>
            {props.voted ? "Voted ✓" : "▲ Vote"}
          </button>
        </form>
      ) : null}
    </div>
  );
}

export type BoardQuery = { sort: string; status?: string; tag?: string; category?: string; q?: string };

/** A menu of the board's categories; `none` is offered where "no category" means something. */
function CategorySelect(props: {
  name: string;
  categories: Category[];
  selected?: string;
  empty: string;
  none?: string;
  id?: string;
}) {
  return (
    <select name={props.name} id={props.id}>
      <option value="">{props.empty}</option>
      {props.none ? (
        <option value="none" selected={props.selected === "none"}>
          {props.none}
        </option>
      ) : null}
      {props.categories.map((c) => (
        <option value={c.id} selected={props.selected === c.id}>
          {c.name}
        </option>
      ))}
    </select>
  );
}

export function BoardPage(props: {
  board: Board;
  categories: Category[];
  cards: Card[];
  query: BoardQuery;
  nextCursor: string | null;
  voted: Set<string>;
  identified: boolean;
}) {
  const { board, query } = props;
  const next = new URLSearchParams(
    Object.entries({ ...query, cursor: props.nextCursor ?? "" }).filter(([, v]) => v) as [string, string][],
  );
  return (
    <Page
      title={board.name}
      description={board.description ?? undefined}
      feeds={[{ href: `/feedback/${board.slug}/feed.atom`, title: `${board.name}: updates` }]}
    >
      <nav class="fb-nav">
        <h1>{board.name}</h1>
        <a href="/roadmap">Roadmap</a>
        <a href={`/feedback/${board.slug}/feed.atom`}>Atom feed</a>
      </nav>
      {board.description ? <p class="muted">{board.description}</p> : null}
      <form class="fb-filters" method="get" action={`/feedback/${board.slug}`}>
        <label>
          Sort{" "}
          <select name="sort">
            {["trending", "top", "new", "status"].map((s) => (
              <option value={s} selected={query.sort === s}>
                {s[0].toUpperCase() + s.slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{" "}
          <select name="status">
            <option value="">Any open or closed</option>
            {POST_STATUSES.map((s) => (
              <option value={s} selected={query.status === s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </label>
        {props.categories.length ? (
          <>
            <label for="fb-filter-category">Category</label>
            <CategorySelect
              id="fb-filter-category"
              name="category"
              categories={props.categories}
              selected={query.category}
              empty="Any category"
              none="No category"
            />
          </>
        ) : null}
        <label>
          Tag <input name="tag" value={query.tag ?? ""} maxlength={40} size={10} />
        </label>
        <label>
          Search <input type="search" name="q" value={query.q ?? ""} maxlength={200} />
        </label>
        <button type="submit">Apply</button>
      </form>
      {props.cards.length === 0 ? <p class="muted">No posts match.</p> : null}
      {props.cards.map((card) => (
        <article class="fb-post">
          <VoteBox card={card} voted={props.voted.has(card.id)} canVote={props.identified} />
          <div>
            <h2 style="margin:0;font-size:1.1em">
              <a href={`/feedback/${board.slug}/${card.id}`}>{card.title}</a>
            </h2>
            <StatusBadge status={card.status} /> <CategoryBadge card={card} />{" "}
            <span class="muted">{card.commentCount ?? 0} comments</span>{" "}
            {card.tags.map((t) => (
              <a class="badge" href={`/feedback/${board.slug}?tag=${encodeURIComponent(t)}`}>
                {t}
              </a>
            ))}{" "}
            {card.authorName ? <span class="muted">by {card.authorName}</span> : null}{" "}
            <ContributorBadge on={card.contributor} />
          </div>
        </article>
      ))}
      {props.nextCursor ? (
        <p>
          <a href={`/feedback/${board.slug}?${next}`}>Next page →</a>
        </p>
      ) : null}
      {props.identified ? (
        <section>
          <h2>Post an idea</h2>
          <form
            class="fb-form"
            method="post"
            action={`/feedback/${board.slug}/posts`}
            data-similar={`/api/v1/boards/${board.slug}/similar`}
          >
            <p>
              <label>
                Title <input name="title" required minlength={3} maxlength={200} size={50} />
              </label>
            </p>
            <p hidden>Similar ideas already posted: vote for one of them instead?</p>
            {props.categories.length ? (
              <p>
                <label for="fb-post-category">Category</label>{" "}
                <CategorySelect id="fb-post-category" name="categoryId" categories={props.categories} empty="None" />
              </p>
            ) : null}
            <ul id="fb-similar" aria-live="polite" />
            <p>
              <label>
                Details (Markdown)
                <textarea name="body" maxlength={10000} />
              </label>
            </p>
            <button type="submit">Post</button>
          </form>
          <script src="/feedback.js" defer />
        </section>
      ) : (
        <p class="muted">Sign in to the product to vote, post and comment.</p>
      )}
    </Page>
  );
}

export function PostPage(props: {
  board: Board;
  card: Card & { bodyHtml: string; createdAt: number; mergedIntoId: string | null };
  timeline: Array<{ id: string; toStatus: string; comment: string | null; createdAt: number }>;
  comments: Array<{
    id: string;
    team: boolean;
    teamName: string | null;
    bodyHtml: string;
    createdAt: number;
    author: { name: string | null; contributor: boolean } | null;
  }>;
  voted: boolean;
  identified: boolean;
}) {
  const { board, card } = props;
  return (
    <Page title={`${card.title} · ${board.name}`}>
      <p>
        <a href={`/feedback/${board.slug}`}>← {board.name}</a>
      </p>
      <article class="fb-post">
        <VoteBox card={card} voted={props.voted} canVote={props.identified} />
        <div>
          <h1 style="margin-top:0">{card.title}</h1>
          <StatusBadge status={card.status} /> <CategoryBadge card={card} />{" "}
          {card.tags.map((t) => (
            <span class="badge">{t}</span>
          ))}{" "}
          <span class="muted">
            {card.authorName ? `by ${card.authorName}, ` : ""}
            {fmtDate(card.createdAt)}
          </span>{" "}
          <ContributorBadge on={card.contributor} />
          {card.mergedIntoId ? (
            <p>
              Merged into <a href={`/feedback/${board.slug}/${card.mergedIntoId}`}>another post</a>: votes moved there.
            </p>
          ) : null}
          <div dangerouslySetInnerHTML={{ __html: card.bodyHtml }} />
        </div>
      </article>
      <h2>Timeline</h2>
      <ol class="fb-timeline">
        <li>
          Posted <span class="muted">{fmtDate(card.createdAt)}</span>
        </li>
        {props.timeline.map((t) => (
          <li>
            <StatusBadge status={t.toStatus} /> <span class="muted">{fmtDate(t.createdAt)}</span>
            {t.comment ? <p>{t.comment}</p> : null}
          </li>
        ))}
      </ol>
      <h2>Comments ({props.comments.length})</h2>
      {props.comments.map((c) => (
        <div class={`fb-comment${c.team ? " fb-team" : ""}`}>
          <strong>{c.team ? `${c.teamName ?? "Team"} (team)` : (c.author?.name ?? "Someone")}</strong>{" "}
          <ContributorBadge on={c.author?.contributor} /> <span class="muted">{fmtDate(c.createdAt)}</span>
          <div dangerouslySetInnerHTML={{ __html: c.bodyHtml }} />
        </div>
      ))}
      {props.identified && card.status !== "merged" ? (
        <form class="fb-form" method="post" action={`/feedback/${board.slug}/${card.id}/comments`}>
          <label>
            Add a comment
            <textarea name="body" required maxlength={5000} />
          </label>
          <button type="submit">Comment</button>
        </form>
      ) : null}
    </Page>
  );
}

type RoadmapCard = {
  id: string;
  title: string;
  voteCount: number;
  boardSlug: string;
  boardName: string;
  categoryName: string | null;
};

export function RoadmapPage(props: {
  planned: RoadmapCard[];
  inProgress: RoadmapCard[];
  done: RoadmapCard[];
  categories: Array<{ id: string; name: string; boardName: string }>;
  category?: string;
}) {
  const column = (title: string, cards: RoadmapCard[]) => (
    <section>
      <h2>
        {title} <span class="muted">({cards.length})</span>
      </h2>
      {cards.map((c) => (
        <div class="fb-card">
          <a href={`/feedback/${c.boardSlug}/${c.id}`}>{c.title}</a>
          <div class="muted">
            {c.voteCount} votes · {c.boardName}
            {c.categoryName ? ` · ${c.categoryName}` : ""}
          </div>
        </div>
      ))}
    </section>
  );
  return (
    <Page title="Roadmap" feeds={[{ href: "/roadmap/feed.atom", title: "Roadmap updates" }]}>
      <nav class="fb-nav">
        <h1>Roadmap</h1>
        <a href="/roadmap/feed.atom">Atom feed</a>
      </nav>
      {props.categories.length ? (
        <form class="fb-filters" method="get" action="/roadmap">
          <label>
            Category{" "}
            <select name="category">
              <option value="">Every category</option>
              {props.categories.map((c) => (
                <option value={c.id} selected={props.category === c.id}>
                  {c.boardName}: {c.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Apply</button>
        </form>
      ) : null}
      <div class="fb-columns">
        {column("Planned", props.planned)}
        {column("In progress", props.inProgress)}
        {column("Done", props.done)}
      </div>
    </Page>
  );
}

type DigestItem = { id: string; title: string; status: string; voteCount: number; board: string };

export function DigestPage(props: {
  month: string;
  top: Array<DigestItem & { votesThisMonth: number }>;
  shipped: DigestItem[];
}) {
  return (
    <Page title={`Feedback digest · ${props.month}`}>
      <p>
        <a href="/roadmap">← Roadmap</a>
      </p>
      <h1>What you asked for and what shipped · {props.month}</h1>
      <h2>Shipped</h2>
      {props.shipped.length ? null : <p class="muted">Nothing shipped this month.</p>}
      <ul>
        {props.shipped.map((p) => (
          <li>
            <a href={`/feedback/${p.board}/${p.id}`}>{p.title}</a> <span class="muted">{p.voteCount} votes</span>
          </li>
        ))}
      </ul>
      <h2>Top-voted ideas</h2>
      <ol>
        {props.top.map((p) => (
          <li>
            <a href={`/feedback/${p.board}/${p.id}`}>{p.title}</a> <StatusBadge status={p.status} />{" "}
            <span class="muted">+{p.votesThisMonth} votes this month</span>
          </li>
        ))}
      </ol>
    </Page>
  );
}

const doc = (page: unknown) => `<!doctype html>${String(page)}`;
/** The whole HTML documents the routes send. */
export const boardHtml = (p: Parameters<typeof BoardPage>[0]) => doc(<BoardPage {...p} />);
export const postHtml = (p: Parameters<typeof PostPage>[0]) => doc(<PostPage {...p} />);
export const roadmapHtml = (p: Parameters<typeof RoadmapPage>[0]) => doc(<RoadmapPage {...p} />);
export const digestHtml = (p: Parameters<typeof DigestPage>[0]) => doc(<DigestPage {...p} />);

/** Atom feed (RFC 4287) of status changes; every text node goes through `xml()`. */
export function atomFeed(opts: {
  title: string;
  selfUrl: string;
  siteUrl: string;
  baseUrl: string;
  entries: Array<{
    id: string;
    toStatus: string;
    comment: string | null;
    createdAt: number;
    postId: string;
    title: string;
    boardSlug: string;
  }>;
}) {
  const base = opts.baseUrl.replace(/\/$/, "");
  const updated = new Date(opts.entries[0]?.createdAt ?? 0).toISOString();
  const items = opts.entries
    .map((e) => {
      const link = `${base}/feedback/${e.boardSlug}/${e.postId}`;
      return `<entry><id>urn:rapport:feedback:${xml(e.id)}</id><title>${xml(`${e.title}: ${statusLabel(e.toStatus)}`)}</title><link href="${xml(link)}"/><updated>${new Date(e.createdAt).toISOString()}</updated><content type="text">${xml(e.comment ?? `Now ${statusLabel(e.toStatus)}`)}</content></entry>`;
    })
    .join("");
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>${xml(opts.title)}</title><id>${xml(opts.selfUrl)}</id><link rel="self" type="application/atom+xml" href="${xml(opts.selfUrl)}"/><link rel="alternate" type="text/html" href="${xml(opts.siteUrl)}"/><updated>${updated}</updated><author><name>${xml(opts.title)}</name></author>${items}</feed>`;
}
