import { api, esc, fmt, getKey, ok, problemText, type Query, type Schemas } from "../lib/api";
import { formQuery, list } from "../lib/list";
import { clearFieldErrors, showFieldErrors } from "./emails-form";
import { setUpBulk } from "./feedback-bulk";
import { editCategories, fillCategoryOptions, setUpCategories } from "./feedback-categories";
import { $, postHref, statusName } from "./feedback-types";

type PostQuery = Query<"/api/v1/feedback/posts">;

const posts = list({
  body: $("posts"),
  empty: "No posts match.",
  load: (cursor) => {
    const query = formQuery<PostQuery>($("filters"), ["board", "sort", "status", "category", "q"], cursor);
    return ok(api.GET("/api/v1/feedback/posts", { params: { query } }));
  },
  row: (
    p,
  ) => `<tr><td><input type="checkbox" data-select="${esc(p.id)}" aria-label="Select ${esc(p.title)}" /> <a href="${esc(postHref(p.id))}">${esc(p.title)}</a>${p.moderation === "pending" ? ' <span class="warn">pending</span>' : ""}${p.heldVotes ? ` <span class="bad">${p.heldVotes} held</span>` : ""}</td>
      <td>${esc(p.boardSlug)}</td><td>${esc(statusName(p.status))}</td><td>${fmt.int(p.voteCount)}</td>
      <td>${p.iceScore ?? "—"}</td><td>${fmt.int(p.commentCount)}</td><td>${esc(fmt.date(p.createdAt))}</td><td>${esc(p.category?.name ?? "—")}</td></tr>`,
});

const boardRow = (b: Schemas["FeedbackBoard"]) =>
  `<tr><td>${esc(b.name)}</td><td><code>${esc(b.slug)}</code></td><td>${esc(b.visibility)}</td><td>${b.moderated ? "yes" : "no"}</td>
  <td><button type="button" class="secondary" data-edit-board="${esc(b.slug)}" aria-label="Edit ${esc(b.name)}">Edit</button>
  <a href="/feedback/${esc(b.slug)}">Public page</a> · <a href="/api/v1/feedback/boards/${esc(b.slug)}/export?format=csv" data-export="${esc(b.slug)}">CSV</a></td></tr>`;

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
    fillCategoryOptions($<HTMLSelectElement>("f-category"), data, 2);
    fillCategoryOptions($<HTMLSelectElement>("bulk-category"), data, 2);
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

const boardForm = $<HTMLFormElement>("new-board");
const field = <T extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(name: string) =>
  boardForm.elements.namedItem(name) as T;

/** The board form edits `b`, or creates a board when `b` is undefined. */
function editBoard(b?: Schemas["FeedbackBoard"]) {
  clearFieldErrors(boardForm);
  boardForm.reset();
  field("editing").value = b?.slug ?? "";
  if (b) {
    field("name").value = b.name;
    field("slug").value = b.slug;
    field("description").value = b.description ?? "";
    field("visibility").value = b.visibility;
    field<HTMLInputElement>("moderated").checked = b.moderated;
  }
  $("board-form-h").textContent = b ? `Edit “${b.name}”` : "New board";
  $("board-submit").textContent = b ? "Save board" : "Create board";
  $("board-cancel").hidden = !b;
  editCategories(b);
  if (b) field("name").focus();
}

$("boards").addEventListener("click", (e) => {
  const slug = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-edit-board]")?.dataset.editBoard;
  const board = boards.items().find((b) => b.slug === slug);
  if (board) editBoard(board);
});
$("board-cancel").addEventListener("click", () => editBoard());

boardForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(boardForm);
  const editing = String(data.get("editing") ?? "");
  const body = {
    name: String(data.get("name")),
    slug: String(data.get("slug")),
    description: String(data.get("description") ?? ""),
    visibility: String(data.get("visibility")) as Schemas["FeedbackBoard"]["visibility"],
    moderated: data.get("moderated") === "on",
  };
  try {
    if (editing) await ok(api.PATCH("/api/v1/feedback/boards/{board}", { params: { path: { board: editing } }, body }));
    else await ok(api.POST("/api/v1/feedback/boards", { body }));
    editBoard();
    $("board-result").textContent = editing ? "Board saved." : "Board created.";
    await Promise.all([boards.reload(), posts.reload()]);
  } catch (err) {
    $("board-result").textContent = showFieldErrors(
      boardForm,
      err,
      (path) => path,
      editing ? "Not saved" : "Not created",
    );
  }
});

const selected = () => {
  const ids = new Set(
    [...$("posts").querySelectorAll<HTMLInputElement>("input[data-select]:checked")].map((c) => c.dataset.select),
  );
  return posts.items().filter((p) => ids.has(p.id));
};
setUpBulk(selected, () => posts.reload());
setUpCategories(() => Promise.all([boards.reload(), posts.reload()]).then(() => {}));

await Promise.all([boards.reload(), posts.reload(), loadRatio()]);
