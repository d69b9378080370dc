import { ApiError, api, esc, fmt } from "../lib/api";

type Key = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: number | null;
  revokedAt: number | null;
};
type ProviderSecret = {
  id: string;
  provider: string;
  name: string;
  prefix: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
};
type Hook = { id: string; url: string; eventTypes: string[]; enabled: boolean };
type Delivery = {
  id: string;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: number;
};
type Dead = { id: string; queue: string; reason: string; body: unknown; receivedAt: number };
type Page<T> = { data: T[]; nextCursor: string | null };

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const problemText = (e: unknown) => (e instanceof ApiError ? e.message : "Something went wrong");

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

async function loadKeys() {
  const { data } = await api<Page<Key>>("/keys?limit=100");
  $("keys").innerHTML = data
    .map(
      (k) => `<tr><td>${esc(k.name)}</td><td><code>${esc(k.prefix)}…</code></td><td>${esc(k.scopes.join(", "))}</td>
      <td>${whereItLives(k.scopes)}</td><td>${lastUsed(k)}</td>
      <td>${k.revokedAt ? "" : `<button class="secondary" data-revoke="${esc(k.id)}" aria-label="Revoke ${esc(k.name)}">Revoke</button>`}</td></tr>`,
    )
    .join("");
}

async function loadProviderSecrets() {
  const { data } = await api<{ data: ProviderSecret[] }>("/emails/provider-secrets");
  $("provider-secrets").innerHTML = data.length
    ? data
        .map(
          (
            p,
          ) => `<tr><td>${esc(p.name)}</td><td>${esc(p.provider)}</td><td><code>${esc(p.prefix)}…</code></td><td>${lastUsed(p)}</td>
          <td>${p.revokedAt ? "" : `<button class="secondary" data-revoke-secret="${esc(p.id)}" aria-label="Revoke ${esc(p.name)}">Revoke</button>`}</td></tr>`,
        )
        .join("")
    : '<tr><td colspan="5" class="muted">None yet.</td></tr>';
}

async function loadHooks() {
  const [{ data: hooks }, { data: deliveries }] = await Promise.all([
    api<{ data: Hook[] }>("/webhooks"),
    api<Page<Delivery>>("/webhooks/deliveries?limit=20"),
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
  const { data } = await api<Page<Dead>>("/jobs/dead-letters?limit=50");
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
    const created = await api<{ key: string; scopes: string[] }>("/keys", {
      method: "POST",
      json: { name: String(data.get("name")), scopes: data.getAll("scopes").map(String) },
    });
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
    const created = await api<{ webhookUrl: string }>("/emails/provider-secrets", {
      method: "POST",
      json: { provider: String(data.get("provider")), name: String(data.get("name")) },
    });
    $("provider-result").innerHTML =
      `Paste this URL into Postmark's Bounce and Spam Complaint webhooks. It holds the secret and will not be shown again: ${shownOnce("provider-webhook-url", created.webhookUrl)}`;
    form.reset();
    await loadProviderSecrets();
  } catch (err) {
    $("provider-result").textContent = problemText(err);
  }
});

$("new-hook").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(e.target as HTMLFormElement);
  try {
    const created = await api<{ secret: string }>("/webhooks", {
      method: "POST",
      json: {
        url: String(data.get("url")),
        eventTypes: String(data.get("eventTypes"))
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      },
    });
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
  } else if (t.dataset.revoke && confirm("Revoke this key? Anything using it stops working at once.")) {
    await api(`/keys/${t.dataset.revoke}`, { method: "DELETE" }).catch((err) => alert(problemText(err)));
    await loadKeys();
  } else if (t.dataset.revokeSecret && confirm("Revoke this secret? The provider's webhook is refused at once.")) {
    await api(`/emails/provider-secrets/${t.dataset.revokeSecret}`, { method: "DELETE" }).catch((err) =>
      alert(problemText(err)),
    );
    await loadProviderSecrets();
  } else if (t.dataset.test) {
    await api(`/webhooks/${t.dataset.test}/test`, { method: "POST" });
    setTimeout(loadHooks, 3000);
  } else if (t.dataset.delete && confirm("Delete this endpoint?")) {
    await api(`/webhooks/${t.dataset.delete}`, { method: "DELETE" });
    await loadHooks();
  }
});

await Promise.all([loadKeys(), loadProviderSecrets(), loadHooks(), loadDead()]);
