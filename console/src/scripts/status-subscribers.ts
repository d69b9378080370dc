// A page's subscribers, newest first, a page at a time; removing one.
import { api, esc, fmt, ok, problemText } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";
import { $, allComponents, choosePage } from "./status-shared";

let pageId = "";
let names = new Map<string, string>();

const subscribers = list({
  body: $("subscribers"),
  empty: "No subscribers yet: visitors subscribe on the public page.",
  load: (cursor) =>
    ok(
      api.GET("/api/v1/status/pages/{pageId}/subscribers", {
        params: { path: { pageId }, query: { limit: 50, cursor: cursor ?? undefined } },
      }),
    ),
  row: (s) => {
    const who = s.email ?? s.url ?? "";
    const about = [...s.groupIds, ...s.componentIds].map((id) => names.get(id) ?? id);
    const state = s.unsubscribedAt ? "Unsubscribed" : s.confirmedAt ? "Confirmed" : "Waiting for confirmation";
    return `<tr><td class="secret">${esc(who)}</td><td>${s.kind === "email" ? "Email" : "Webhook"}</td>
      <td>${about.length ? esc(about.join(", ")) : "The whole page"}</td><td>${state}</td>
      <td>${esc(fmt.date(s.createdAt))}</td>
      <td><button type="button" class="secondary" data-remove="${esc(s.id)}">Remove<span class="skip"> ${esc(who)}</span></button></td></tr>`;
  },
});

async function remove(id: string) {
  const s = subscribers.items().find((x) => x.id === id);
  const go = await confirmAction({
    title: `Remove ${s?.email ?? s?.url ?? "this subscriber"}?`,
    body: "They hear nothing more from this page unless they subscribe again. This cannot be undone.",
    action: "Remove",
  });
  if (!go) return;
  const result = $("subscribers-result");
  try {
    await ok(api.DELETE("/api/v1/status/subscribers/{id}", { params: { path: { id } } }));
    result.textContent = `Removed ${s?.email ?? s?.url ?? "the subscriber"}.`;
    result.className = "ok";
    await subscribers.reload();
  } catch (e) {
    result.textContent = problemText(e);
    result.className = "bad";
  }
}

document.addEventListener("click", (ev) => {
  const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-remove]");
  if (btn?.dataset.remove) void remove(btn.dataset.remove);
});
void choosePage(async (page) => {
  pageId = page.id;
  const path = { params: { path: { pageId } } };
  try {
    const [c, g] = await Promise.all([
      allComponents(pageId).then((data) => ({ data })),
      ok(api.GET("/api/v1/status/pages/{pageId}/groups", path)),
    ]);
    names = new Map([...c.data, ...g.data].map((x) => [x.id, x.name]));
  } catch {
    names = new Map(); // ids stand in for names; the list says what failed, if it does
  }
  await subscribers.reload();
});
