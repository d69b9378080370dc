import { api, esc, fmt, ok, problemText, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { list } from "../lib/list";

const $ = (id: string) => document.getElementById(id) as HTMLElement;

/** Only a key that can do nothing but send events may sit in a web page; every other scope reads data. */
const embeddable = (scopes: string[]) => scopes.every((s) => s === "ingest");
const whereItLives = (scopes: string[]) =>
  embeddable(scopes)
    ? '<span class="ok">safe to embed in a web page</span>'
    : '<span class="warn">server-side only</span>';
const lastUsed = (r: { lastUsedAt: number | null; revokedAt: number | null }) =>
  r.revokedAt ? '<span class="bad">revoked</span>' : r.lastUsedAt ? esc(fmt.dateTime(r.lastUsedAt)) : "never";

/** A secret shown once, with a button that copies it. */
const shownOnce = (id: string, value: string) =>
  `<code id="${id}" class="secret" data-testid="${id}">${esc(value)}</code> <button type="button" class="secondary" data-copy="${id}">Copy</button>`;

const keys = list({
  body: $("keys"),
  empty: "No keys.",
  load: (cursor) => ok(api.GET("/api/v1/keys", { params: { query: { limit: 100, cursor: cursor ?? undefined } } })),
  row: (k) => `<tr><td>${esc(k.name)}</td><td><code>${esc(k.prefix)}…</code></td><td>${esc(k.scopes.join(", "))}</td>
      <td>${whereItLives(k.scopes)}</td><td>${lastUsed(k)}</td>
      <td>${k.revokedAt ? "" : `<button class="secondary" data-revoke="${esc(k.id)}" aria-label="Revoke ${esc(k.name)}">Revoke</button>`}</td></tr>`,
});
const loadKeys = () => keys.reload();

const secrets = list({
  body: $("provider-secrets"),
  empty: "None yet.",
  load: () => ok(api.GET("/api/v1/emails/provider-secrets")),
  row: (
    p,
  ) => `<tr><td>${esc(p.name)}</td><td>${esc(p.provider)}</td><td><code>${esc(p.prefix)}…</code></td><td>${lastUsed(p)}</td>
      <td>${p.revokedAt ? "" : `<button class="secondary" data-revoke-secret="${esc(p.id)}" aria-label="Revoke ${esc(p.name)}">Revoke</button>`}</td></tr>`,
});

async function loadHooks() {
  const [{ data: hooks }, { data: deliveries }] = await Promise.all([
    ok(api.GET("/api/v1/webhooks")),
    ok(api.GET("/api/v1/webhooks/deliveries", { params: { query: { limit: 20 } } })),
  ]);
  $("hooks").innerHTML = hooks
    .map(
      (
        h,
      ) => `<tr><td><code>${esc(h.url)}</code></td><td>${esc(h.eventTypes.join(", "))}</td><td>${h.enabled ? "yes" : "no"}</td>
      <td><button class="secondary" data-test="${esc(h.id)}">Send test</button> <button class="secondary" data-delete="${esc(h.id)}">Delete</button></td></tr>`,
    )
    .join("");
  $("deliveries").innerHTML = deliveries
    .map(
      (
        d,
      ) => `<tr><td>${esc(d.eventType)}</td><td class="${d.state === "succeeded" ? "ok" : d.state === "failed" ? "bad" : "warn"}">${esc(d.state)}</td>
      <td>${d.attempts}</td><td>${esc(d.lastStatus ?? d.lastError ?? "")}</td><td>${esc(fmt.dateTime(d.updatedAt))}</td></tr>`,
    )
    .join("");
}

async function loadDead() {
  const { data } = await ok(api.GET("/api/v1/jobs/dead-letters", { params: { query: { limit: 50 } } }));
  $("dead").innerHTML = data.length
    ? data
        .map(
          (d) => `<tr><td>${esc(fmt.dateTime(d.receivedAt))}</td><td>${esc(d.queue)}</td><td>${esc(d.reason)}</td>
          <td><code>${esc(JSON.stringify(d.body).slice(0, 200))}</code></td></tr>`,
        )
        .join("")
    : '<tr><td colspan="4" class="muted">None.</td></tr>';
}

$("new-key").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  try {
    const scopes = data.getAll("scopes").map(String) as Schemas["CreateApiKey"]["scopes"];
    const created = await ok(api.POST("/api/v1/keys", { body: { name: String(data.get("name")), scopes } }));
    const where = embeddable(created.scopes)
      ? "It only sends events: safe to embed in a web page or a Segment/RudderStack source."
      : "It can read data: keep it server-side only.";
    $("key-result").innerHTML =
      `Copy it now, it will not be shown again: ${shownOnce("new-key", created.key)}<br />${where}`;
    form.reset();
    await loadKeys();
  } catch (err) {
    $("key-result").textContent = problemText(err);
  }
});

$("new-provider-secret").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  try {
    const provider = String(data.get("provider")) as Schemas["CreateProviderSecret"]["provider"];
    const created = await ok(
      api.POST("/api/v1/emails/provider-secrets", { body: { provider, name: String(data.get("name")) } }),
    );
    $("provider-result").innerHTML =
      `Paste this URL into Postmark's Bounce and Spam Complaint webhooks. It holds the secret and will not be shown again: ${shownOnce("provider-webhook-url", created.webhookUrl)}`;
    form.reset();
    await secrets.reload();
  } catch (err) {
    $("provider-result").textContent = problemText(err);
  }
});

$("new-hook").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(e.target as HTMLFormElement);
  try {
    const created = await ok(
      api.POST("/api/v1/webhooks", {
        body: {
          url: String(data.get("url")),
          eventTypes: String(data.get("eventTypes"))
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        },
      }),
    );
    $("hook-result").innerHTML = `Signing secret (shown once): <code>${esc(created.secret)}</code>`;
    await loadHooks();
  } catch (err) {
    $("hook-result").textContent = problemText(err);
  }
});

document.addEventListener("click", async (e) => {
  const t = e.target as HTMLElement;
  if (t.dataset.copy) {
    const text = $(t.dataset.copy).textContent ?? "";
    t.textContent = await navigator.clipboard.writeText(text).then(
      () => "Copied",
      () => "Select it and copy by hand",
    );
    return;
  }
  const id = t.dataset.revoke ?? t.dataset.revokeSecret ?? t.dataset.test ?? t.dataset.delete;
  if (!id) return;
  const params = { path: { id } };
  try {
    if (t.dataset.revokeSecret) {
      const go = await confirmAction({
        title: "Revoke this secret?",
        body: "The provider's webhook is refused at once. This cannot be undone.",
        action: "Revoke secret",
      });
      if (go) await ok(api.DELETE("/api/v1/emails/provider-secrets/{id}", { params }));
      await secrets.reload();
    } else if (t.dataset.revoke) {
      const go = await confirmAction({
        title: "Revoke this key?",
        body: "Anything using it stops working at once. This cannot be undone.",
        action: "Revoke key",
      });
      if (go) await ok(api.DELETE("/api/v1/keys/{id}", { params }));
      await loadKeys();
    } else if (t.dataset.test) {
      await ok(api.POST("/api/v1/webhooks/{id}/test", { params }));
      setTimeout(loadHooks, 3000);
    } else {
      const go = await confirmAction({
        title: "Delete this endpoint?",
        body: "It gets no more events. Its delivery log stays.",
        action: "Delete endpoint",
      });
      if (go) await ok(api.DELETE("/api/v1/webhooks/{id}", { params }));
      await loadHooks();
    }
  } catch (err) {
    $(t.dataset.revokeSecret ? "provider-result" : t.dataset.revoke ? "key-result" : "hook-result").textContent =
      problemText(err);
  }
});

await Promise.all([loadKeys(), loadHooks(), loadDead()]);
