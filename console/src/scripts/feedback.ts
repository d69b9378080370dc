import { api, esc, fmt, getKey } from "../lib/api";
import { $, type Page, type Post, postHref, problemText, statusName } from "./feedback-types";

type Board = { id: string; slug: string; name: string; visibility: string; moderated: boolean };

let cursor: string | null = null;

function query() {
  const data = new FormData($<HTMLFormElement>("filters"));
  const params = new URLSearchParams({ limit: "50" });
  for (const [k, v] of data) if (v) params.set(k, String(v));
  if (cursor) params.set("cursor", cursor);
  return params;
}

async function loadPosts(append = false) {
  if (!append) cursor = null;
  const page = await api<Page<Post>>(`/feedback/posts?${query()}`);
  const rows = page.data
    .map(
      (
        p,
      ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a>${p.moderation === "pending" ? ' <span class="warn">pending</span>' : ""}${p.heldVotes ? ` <span class="bad">${p.heldVotes} held</span>` : ""}</td>
      <td>${esc(p.boardSlug)}</td><td>${esc(statusName(p.status))}</td><td>${fmt.int(p.voteCount)}</td>
      <td>${p.iceScore ?? "—"}</td><td>${fmt.int(p.commentCount)}</td><td>${esc(fmt.date(p.createdAt))}</td></tr>`,
    )
    .join("");
  const body = $("posts");
  if (append) body.insertAdjacentHTML("beforeend", rows);
  else body.innerHTML = rows || '<tr><td colspan="7" class="muted">No posts match.</td></tr>';
  cursor = page.nextCursor;
  $("more").hidden = !cursor;
}

async function loadBoards() {
  const { data } = await api<{ data: Board[] }>("/feedback/boards");
  const select = $<HTMLSelectElement>("f-board");
  const chosen = select.value;
  select.innerHTML = `<option value="">All boards</option>${data.map((b) => `<option value="${esc(b.slug)}">${esc(b.name)}</option>`).join("")}`;
  select.value = chosen;
  $("boards").innerHTML = data
    .map(
      (
        b,
      ) => `<tr><td>${esc(b.name)}</td><td><code>${esc(b.slug)}</code></td><td>${esc(b.visibility)}</td><td>${b.moderated ? "yes" : "no"}</td>
      <td><a href="/feedback/${esc(b.slug)}">Public page</a> · <a href="/api/v1/feedback/boards/${esc(b.slug)}/export?format=csv" data-export="${esc(b.slug)}">CSV</a></td></tr>`,
    )
    .join("");
}

async function loadRatio() {
  const to = Date.now();
  const r = await api<{ done: number; received: number; ratio: number | null; voteWeighted: number | null }>(
    `/feedback/implementation?from=${to - 90 * 86_400_000}&to=${to}`,
  );
  $("ratio").textContent =
    `${r.ratio === null ? "—" : fmt.pct(r.ratio)} (${r.done} delivered / ${r.received} received); vote-weighted ${r.voteWeighted === null ? "—" : fmt.pct(r.voteWeighted)}`;
}

$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  void loadPosts();
});
$("more").addEventListener("click", () => void loadPosts(true));

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
    await api("/feedback/boards", {
      method: "POST",
      json: {
        name: String(data.get("name")),
        slug: String(data.get("slug")),
        visibility: String(data.get("visibility")),
        moderated: data.get("moderated") === "on",
      },
    });
    $("board-result").textContent = "Board created.";
    form.reset();
    await loadBoards();
  } catch (err) {
    $("board-result").textContent = problemText(err);
  }
});

await Promise.all([loadBoards(), loadPosts(), loadRatio()]);
