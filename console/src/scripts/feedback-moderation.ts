import { type Answer, api, esc, fmt, ok, problemText } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, postHref } from "./feedback-types";

type Queue = Answer<"/api/v1/feedback/moderation">;

const actions = (kind: string, id: string, label: string) =>
  `<button data-kind="${kind}" data-id="${esc(id)}" data-action="approve" aria-label="Approve ${esc(label)}">Approve</button>
   <button class="secondary" data-kind="${kind}" data-id="${esc(id)}" data-action="reject" aria-label="Reject ${esc(label)}">Reject</button>`;

// One request fills the three tables; a failed one is asked again by whichever Retry comes first.
let queue: Promise<Queue> | null = null;
const load = () =>
  (queue ??= ok(api.GET("/api/v1/feedback/moderation")).catch((e) => {
    queue = null;
    throw e;
  }));

const tables = [
  list({
    body: $("pending-posts"),
    empty: "No post is waiting.",
    load: async () => ({ data: (await load()).posts }),
    row: (
      p,
    ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a><div class="muted">${esc(p.body.slice(0, 200))}</div></td>
        <td>${esc(p.boardSlug)}</td><td>${esc(p.author?.name ?? "—")}</td><td>${esc(fmt.date(p.createdAt))}</td><td>${actions("post", p.id, p.title)}</td></tr>`,
  }),
  list({
    body: $("pending-comments"),
    empty: "No comment is waiting.",
    load: async () => ({ data: (await load()).comments }),
    row: (
      c,
    ) => `<tr><td>${esc(c.body.slice(0, 300))}</td><td><a href="${esc(postHref(c.postId))}">${esc(c.postTitle)}</a></td>
        <td>${esc(c.author?.name ?? "—")}</td><td>${actions("comment", c.id, c.body.slice(0, 40))}</td></tr>`,
  }),
  list({
    body: $("flagged"),
    empty: "No vote burst is held.",
    load: async () => ({ data: (await load()).flagged }),
    row: (
      p,
    ) => `<tr><td><a href="${esc(postHref(p.id))}">${esc(p.title)}</a></td><td>${fmt.int(p.voteCount)}</td><td>${fmt.int(p.heldVotes)}</td>
        <td>${actions("votes", p.id, `held votes on ${p.title}`)}</td></tr>`,
  }),
];

async function reload() {
  queue = null;
  await Promise.all(tables.map((t) => t.reload()));
}

async function moderate(kind: string, id: string, action: "approve" | "reject"): Promise<void> {
  const init = { params: { path: { id } }, body: { action } };
  if (kind === "post") await ok(api.POST("/api/v1/feedback/posts/{id}/moderation", init));
  else if (kind === "comment") await ok(api.POST("/api/v1/feedback/comments/{id}/moderation", init));
  else await ok(api.POST("/api/v1/feedback/posts/{id}/held-votes", init));
}

document.addEventListener("click", async (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-kind]");
  if (!b?.dataset.kind || !b.dataset.id) return;
  const action = b.dataset.action === "approve" ? "approve" : "reject";
  if (
    b.dataset.kind === "votes" &&
    action === "reject" &&
    !(await confirmAction({
      title: "Discard the held votes?",
      body: "They are deleted and never counted. This cannot be undone.",
      action: "Discard votes",
    }))
  )
    return;
  b.disabled = true;
  try {
    await moderate(b.dataset.kind, b.dataset.id, action);
    $("queue-result").textContent = action === "approve" ? "Approved." : "Rejected.";
    await reload();
  } catch (err) {
    $("queue-result").textContent = problemText(err);
    b.disabled = false;
  }
});

await reload();
