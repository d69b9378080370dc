// Triage in bulk: one status (emailing voters after asking), a category, and tags added or removed on the selected posts.
import { api, ok, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { clearFieldErrors, showFieldErrors } from "./emails-form";
import { $, statusName } from "./feedback-types";

type Post = Schemas["FeedbackAdminPost"];
const form = $<HTMLFormElement>("bulk");
const result = $("bulk-result");
const FIELDS: Record<string, string> = {
  "status.comment": "comment",
  "tags.add": "add",
  "tags.remove": "remove",
  categoryId: "categoryId",
};

const tagList = (value: FormDataEntryValue | null) =>
  String(value ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
const posts = (n: number) => `${n} ${n === 1 ? "post" : "posts"}`;

/** The body of the bulk change, and the question to ask first when it emails people. */
function change(data: FormData, chosen: Post[]) {
  const status = String(data.get("status") ?? "") as Schemas["ChangeFeedbackStatus"]["status"] | "";
  const notify = data.get("notify") === "on";
  const add = tagList(data.get("add"));
  const remove = tagList(data.get("remove"));
  const category = String(data.get("categoryId") ?? "");
  const body: Schemas["BulkFeedbackPosts"] = {
    ids: chosen.map((p) => p.id),
    ...(status ? { status: { status, notify, comment: String(data.get("comment") ?? "") || undefined } } : {}),
    ...(add.length || remove.length ? { tags: { add, remove } } : {}),
    ...(category ? { categoryId: category === "none" ? null : category } : {}),
  };
  const votes = chosen.reduce((n, p) => n + p.voteCount, 0);
  const ask =
    status && notify
      ? {
          title: `Move ${posts(chosen.length)} to “${statusName(status)}” and email their people?`,
          body: `The voters (${votes} ${votes === 1 ? "vote" : "votes"}) and authors of these posts are emailed about the change${
            body.status?.comment ? ", with your note" : ""
          }.`,
          action: "Change and email",
        }
      : null;
  return { body, ask };
}

export function setUpBulk(selected: () => Post[], onDone: () => Promise<void>) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const chosen = selected();
    if (!chosen.length) {
      result.textContent = "Select posts in the table first.";
      return;
    }
    const { body, ask } = change(new FormData(form), chosen);
    if (ask && !(await confirmAction(ask))) return;
    try {
      const r = await ok(api.POST("/api/v1/feedback/posts/bulk", { body }));
      clearFieldErrors(form);
      result.textContent = `Changed ${posts(r.updated)}${r.notified ? `; ${r.notified} ${r.notified === 1 ? "person" : "people"} emailed` : ""}.`;
      await onDone();
    } catch (e) {
      result.textContent = showFieldErrors(form, e, (path) => FIELDS[path.replace(/\.\d+$/, "")], "Not changed");
    }
  });
}
