import { api, esc, fmt, getKey, ok, problemText, type Query, type Schemas } from "../lib/api";
import { formQuery, list } from "../lib/list";
import { $, postHref, statusName } from "./feedback-types";

type PostQuery = Query<"/api/v1/feedback/posts">;

const posts = list({
  body: $("posts"),
  empty: "No posts match.",
  load: (cursor) => {
    const query = formQuery<PostQuery>($("filters"), ["board", "sort", "status", "q"], cursor);
    return ok(api.GET("/api/v1/feedback/posts", { params: { query } }));
  },
  row: (
    p,
  ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a>${p.moderation === "pending" ? ' <span class="warn">pending</span>' : ""}${p.heldVotes ? ` <span class="bad">${p.heldVotes} held</span>` : ""}</td>
      <td>${esc(p.boardSlug)}</td><td>${esc(statusName(p.status))}</td><td>${fmt.int(p.voteCount)}</td>
      <td>${p.iceScore ?? "—"}</td><td>${fmt.int(p.commentCount)}</td><td>${esc(fmt.date(p.createdAt))}</td></tr>`,
});

const boardRow = (b: Schemas["FeedbackBoard"]) =>
  `<tr><td>${esc(b.name)}</td><td><code>${esc(b.slug)}</code></td><td>${esc(b.visibility)}</td><td>${b.moderated ? "yes" : "no"}</td>
  <td><a href="/feedback/${esc(b.slug)}">Public page</a> · <a href="/api/v1/feedback/boards/${esc(b.slug)}/export?format=csv" data-export="${esc(b.slug)}">CSV</a></td></tr>`;

const boards = list({
  body: $("boards"),
  empty: "No boards yet: create one below.",
  load: () => ok(api.GET("/api/v1/feedback/boards")),
  row: boardRow,
  onPage: ({ data }) => {
    const select = $<HTMLSelectElement>("f-board");
    const chosen = select.value;
    select.innerHTML = `<option value="">All boards</option>${data.map((b) => `<option value="${esc(b.slug)}">${esc(b.name)}</option>`).join("")}`;
    select.value = chosen;
  },
});

async function loadRatio() {
  const to = Date.now();
  try {
    const r = await ok(
      api.GET("/api/v1/feedback/implementation", { params: { query: { from: to - 90 * 86_400_000, to } } }),
    );
    $("ratio").textContent =
      `${r.ratio === null ? "—" : fmt.pct(r.ratio)} (${r.done} delivered / ${r.received} received); vote-weighted ${r.voteWeighted === null ? "—" : fmt.pct(r.voteWeighted)}`;
  } catch (e) {
    $("ratio").textContent = `Could not load the ratio: ${problemText(e)}`;
  }
}

$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  void posts.reload();
});

// Exports need the API key, so they are fetched here and handed to the browser as a download.
document.addEventListener("click", async (e) => {
  const a = (e.target as HTMLElement).closest<HTMLAnchorElement>("a[data-export]");
  if (!a) return;
  e.preventDefault();
  const res = await fetch(a.href, { headers: { authorization: `Bearer ${getKey()}` } });
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: `${a.dataset.export}.csv` });
  link.click();
  URL.revokeObjectURL(url);
});

$("new-board").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  try {
    await ok(
      api.POST("/api/v1/feedback/boards", {
        body: {
          name: String(data.get("name")),
          slug: String(data.get("slug")),
          visibility: String(data.get("visibility")) as Schemas["FeedbackBoard"]["visibility"],
          moderated: data.get("moderated") === "on",
        },
      }),
    );
    $("board-result").textContent = "Board created.";
    form.reset();
    await boards.reload();
  } catch (err) {
    $("board-result").textContent = problemText(err);
  }
});

await Promise.all([boards.reload(), posts.reload(), loadRatio()]);
