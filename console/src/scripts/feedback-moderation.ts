import { api, esc, fmt } from "../lib/api";
import { $, type Comment, type Post, postHref, problemText } from "./feedback-types";

type Queue = { posts: Post[]; flagged: Post[]; comments: Array<Comment & { postTitle: string; body: string }> };

const actions = (kind: string, id: string, label: string) =>
  `<button data-kind="${kind}" data-id="${esc(id)}" data-action="approve" aria-label="Approve ${esc(label)}">Approve</button>
   <button class="secondary" data-kind="${kind}" data-id="${esc(id)}" data-action="reject" aria-label="Reject ${esc(label)}">Reject</button>`;
const none = (cols: number) => `<tr><td colspan="${cols}" class="muted">Nothing waiting.</td></tr>`;

async function load() {
  const q = await api<Queue>("/feedback/moderation");
  $("pending-posts").innerHTML =
    q.posts
      .map(
        (
          p,
        ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a><div class="muted">${esc(p.body.slice(0, 200))}</div></td>
        <td>${esc(p.boardSlug)}</td><td>${esc(p.author?.name ?? "—")}</td><td>${esc(fmt.date(p.createdAt))}</td><td>${actions("post", p.id, p.title)}</td></tr>`,
      )
      .join("") || none(5);
  $("pending-comments").innerHTML =
    q.comments
      .map(
        (
          c,
        ) => `<tr><td>${esc(c.body.slice(0, 300))}</td><td><a href="${esc(postHref(c.postId))}">${esc(c.postTitle)}</a></td>
        <td>${esc(c.author?.name ?? "—")}</td><td>${actions("comment", c.id, c.body.slice(0, 40))}</td></tr>`,
      )
      .join("") || none(4);
  $("flagged").innerHTML =
    q.flagged
      .map(
        (
          p,
        ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a></td><td>${fmt.int(p.voteCount)}</td><td>${fmt.int(p.heldVotes)}</td>
        <td>${actions("votes", p.id, `held votes on ${p.title}`)}</td></tr>`,
      )
      .join("") || none(4);
}

const PATHS: Record<string, (id: string) => string> = {
  post: (id) => `/feedback/posts/${id}/moderation`,
  comment: (id) => `/feedback/comments/${id}/moderation`,
  votes: (id) => `/feedback/posts/${id}/held-votes`,
};

document.addEventListener("click", async (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-kind]");
  if (!b?.dataset.kind || !b.dataset.id) return;
  b.disabled = true;
  try {
    await api(PATHS[b.dataset.kind](b.dataset.id), { method: "POST", json: { action: b.dataset.action } });
    $("queue-result").textContent = b.dataset.action === "approve" ? "Approved." : "Rejected.";
    await load();
  } catch (err) {
    $("queue-result").textContent = problemText(err);
    b.disabled = false;
  }
});

await load();
