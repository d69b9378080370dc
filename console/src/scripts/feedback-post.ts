import { api, esc, fmt } from "../lib/api";
import { $, type Comment, type Page, type Post, postHref, problemText, statusName } from "./feedback-types";

type Change = {
  id: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  comment: string | null;
  createdAt: number;
};
type Detail = { post: Post; timeline: Change[]; comments: Comment[] };

const id = new URLSearchParams(location.search).get("id") ?? "";
const path = `/feedback/posts/${encodeURIComponent(id)}`;

async function load() {
  const { post, timeline, comments } = await api<Detail>(path);
  document.title = `${post.title} · Rapport`;
  $("post-title").textContent = post.title;
  $("post-meta").innerHTML =
    `${esc(statusName(post.status))} · ${fmt.int(post.voteCount)} votes · ${esc(post.boardSlug)} · by ${esc(post.author?.name ?? "the team")}${post.author?.contributor ? " ★" : ""} · ${esc(fmt.date(post.createdAt))} · <a href="${esc(post.url)}">public page</a>${post.mergedIntoId ? ` · merged into <a href="${esc(postHref(post.mergedIntoId))}">the original</a>` : ""}`;
  // Rendered and sanitised by the Worker at write time (raw HTML stripped).
  $("post-body").innerHTML = post.bodyHtml;
  $<HTMLSelectElement>("s-status").value = post.status === "merged" ? "under_review" : post.status;
  $<HTMLInputElement>("i-impact").value = post.impact?.toString() ?? "";
  $<HTMLInputElement>("i-confidence").value = post.confidence?.toString() ?? "";
  $<HTMLInputElement>("i-ease").value = post.ease?.toString() ?? "";
  $<HTMLInputElement>("i-tags").value = post.tags.join(", ");
  $("timeline").innerHTML = [
    `<li>Posted ${esc(fmt.dateTime(post.createdAt))}</li>`,
    ...timeline.map(
      (t) =>
        `<li><strong>${esc(statusName(t.toStatus))}</strong> by ${esc(t.actor)}, ${esc(fmt.dateTime(t.createdAt))}${t.comment ? `<div>${esc(t.comment)}</div>` : ""}</li>`,
    ),
  ].join("");
  $("comments").innerHTML =
    comments
      .map(
        (
          c,
        ) => `<div class="card" style="margin:.5rem 0"><strong>${esc(c.team ? `${c.teamName ?? "Team"} (team)` : (c.author?.name ?? "Someone"))}</strong>
        <span class="muted">${esc(fmt.dateTime(c.createdAt))}${c.moderation !== "approved" ? ` · ${esc(c.moderation)}` : ""}</span>${c.bodyHtml}</div>`,
      )
      .join("") || '<p class="muted">No comments yet.</p>';
}

const num = (v: FormDataEntryValue | null) => (v ? Number(v) : null);

$("status-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(e.target as HTMLFormElement);
  try {
    const r = await api<{ status: string; notified: number }>(`${path}/status`, {
      method: "POST",
      json: {
        status: data.get("status"),
        comment: String(data.get("comment") ?? "") || undefined,
        notify: data.get("notify") === "on",
      },
    });
    $("status-result").textContent = `Now ${statusName(r.status)}; ${r.notified} people will hear about it.`;
    $<HTMLTextAreaElement>("s-comment").value = "";
    await load();
  } catch (err) {
    $("status-result").textContent = problemText(err);
  }
});

$("ice-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(e.target as HTMLFormElement);
  try {
    const r = await api<Post>(path, {
      method: "PATCH",
      json: {
        impact: num(data.get("impact")),
        confidence: num(data.get("confidence")),
        ease: num(data.get("ease")),
        tags: String(data.get("tags") ?? "")
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      },
    });
    $("ice-result").textContent = `Saved. ICE ${r.iceScore ?? "—"}.`;
  } catch (err) {
    $("ice-result").textContent = problemText(err);
  }
});

$("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  await api(`${path}/comments`, { method: "POST", json: { body: String(new FormData(form).get("body")) } });
  form.reset();
  await load();
});

let searchTimer: ReturnType<typeof setTimeout> | undefined;
$("m-q").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  const q = (e.target as HTMLInputElement).value.trim();
  searchTimer = setTimeout(async () => {
    if (q.length < 2) return;
    const { data } = await api<Page<Post>>(`/feedback/posts?sort=top&limit=20&q=${encodeURIComponent(q)}`);
    $("m-into").innerHTML = `<option value="">Choose a post…</option>${data
      .filter((p) => p.id !== id)
      .map((p) => `<option value="${esc(p.id)}">${esc(p.title)} (${p.voteCount} votes, ${esc(p.boardSlug)})</option>`)
      .join("")}`;
  }, 250);
});

$("merge-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const into = $<HTMLSelectElement>("m-into").value;
  if (!into) return;
  try {
    const r = await api<{ notified: number }>(`${path}/merge`, { method: "POST", json: { into } });
    $("merge-result").textContent = `Merged; ${r.notified} voters will hear about it.`;
    await load();
  } catch (err) {
    $("merge-result").textContent = problemText(err);
  }
});

$("delete").addEventListener("click", async () => {
  if (!confirm("Delete this post with its votes and comments?")) return;
  await api(path, { method: "DELETE" });
  location.assign("/console/feedback/");
});

await load();
