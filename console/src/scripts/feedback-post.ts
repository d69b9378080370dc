import { api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { $, postHref, statusName } from "./feedback-types";

type Status = Schemas["ChangeFeedbackStatus"]["status"];

const id = new URLSearchParams(location.search).get("id") ?? "";
const params = { path: { id } };

async function load() {
  const { post, timeline, comments } = await ok(api.GET("/api/v1/feedback/posts/{id}", { params }));
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
  const status = String(data.get("status")) as Status;
  const notify = data.get("notify") === "on";
  if (
    notify &&
    !(await confirmAction({
      title: `Move to “${statusName(status)}” and email people?`,
      body: "Everyone who voted for this post, and its author, will get an email about the change.",
      action: "Update and email",
    }))
  )
    return;
  try {
    const r = await ok(
      api.POST("/api/v1/feedback/posts/{id}/status", {
        params,
        body: { status, comment: String(data.get("comment") ?? "") || undefined, notify },
      }),
    );
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
    const r = await ok(
      api.PATCH("/api/v1/feedback/posts/{id}", {
        params,
        body: {
          impact: num(data.get("impact")),
          confidence: num(data.get("confidence")),
          ease: num(data.get("ease")),
          tags: String(data.get("tags") ?? "")
            .split(",")
            .map((t) => t.trim())
            .filter(Boolean),
        },
      }),
    );
    $("ice-result").textContent = `Saved. ICE ${r.iceScore ?? "—"}.`;
  } catch (err) {
    $("ice-result").textContent = problemText(err);
  }
});

$("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  try {
    await ok(
      api.POST("/api/v1/feedback/posts/{id}/comments", {
        params,
        body: { body: String(new FormData(form).get("body")) },
      }),
    );
    form.reset();
    await load();
  } catch (err) {
    $("merge-result").textContent = problemText(err);
  }
});

let searchTimer: ReturnType<typeof setTimeout> | undefined;
$("m-q").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  const q = (e.target as HTMLInputElement).value.trim();
  searchTimer = setTimeout(async () => {
    if (q.length < 2) return;
    const { data } = await ok(api.GET("/api/v1/feedback/posts", { params: { query: { sort: "top", limit: 20, q } } }));
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
  const title = $<HTMLSelectElement>("m-into").selectedOptions[0]?.textContent ?? "the chosen post";
  const go = await confirmAction({
    title: "Merge this post?",
    body: `Its votes move to ${title} and its voters are emailed. A merge cannot be undone.`,
    action: "Merge and email",
  });
  if (!go) return;
  try {
    const r = await ok(api.POST("/api/v1/feedback/posts/{id}/merge", { params, body: { into } }));
    $("merge-result").textContent = `Merged; ${r.notified} voters will hear about it.`;
    await load();
  } catch (err) {
    $("merge-result").textContent = problemText(err);
  }
});

$("delete").addEventListener("click", async () => {
  const go = await confirmAction({
    title: "Delete this post?",
    body: "The post, its votes and its comments are deleted. This cannot be undone.",
    action: "Delete post",
  });
  if (!go) return;
  try {
    await ok(api.DELETE("/api/v1/feedback/posts/{id}", { params }));
    location.assign("/console/feedback/");
  } catch (err) {
    $("merge-result").textContent = problemText(err);
  }
});

await load();
