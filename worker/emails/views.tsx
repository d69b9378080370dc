// Public pages of emails: unsubscribe confirmation and the preference page. No login, no script.
import type { ConsentTopic } from "../../db/schema/index.ts";
import { Layout } from "../lib/html.tsx";

export const TOPIC_LABELS: Record<ConsentTopic | "all", string> = {
  marketing: "Tips, offers and news",
  product_updates: "Product updates",
  status_notifications: "Status notifications",
  all: "All emails",
};

export function UnsubscribePage(p: { action: string; topic: string; done: boolean; preferencesUrl: string | null }) {
  const label = TOPIC_LABELS[p.topic as ConsentTopic] ?? TOPIC_LABELS.all;
  return (
    <Layout title={p.done ? "You are unsubscribed" : "Unsubscribe"}>
      <main>
        {p.done ? (
          <>
            <h1>You are unsubscribed</h1>
            <p>
              You will no longer receive <strong>{label.toLowerCase()}</strong> emails from us.
            </p>
          </>
        ) : (
          <>
            <h1>Unsubscribe</h1>
            <p>
              Stop receiving <strong>{label.toLowerCase()}</strong> emails?
            </p>
            <form method="post" action={p.action}>
              <input type="hidden" name="List-Unsubscribe" value="One-Click" />
              <button type="submit">Unsubscribe</button>
            </form>
          </>
        )}
        {p.preferencesUrl ? (
          <p>
            <a href={p.preferencesUrl}>Choose which emails you get</a>
          </p>
        ) : null}
      </main>
    </Layout>
  );
}

export function PreferencesPage(p: {
  action: string;
  email: string | null;
  consent: Record<ConsentTopic, boolean>;
  all: boolean;
  saved: boolean;
}) {
  const topics = ["marketing", "product_updates", "status_notifications"] as const;
  return (
    <Layout title="Email preferences">
      <main>
        <h1>Email preferences</h1>
        {p.email ? <p class="muted">For {p.email}</p> : null}
        {p.saved ? <p role="status">Your preferences are saved.</p> : null}
        <form method="post" action={p.action}>
          <fieldset>
            <legend>Send me</legend>
            {topics.map((t) => (
              <p>
                <label>
                  <input type="checkbox" name={t} value="on" checked={p.consent[t]} /> {TOPIC_LABELS[t]}
                </label>
              </p>
            ))}
          </fieldset>
          <p>
            <label>
              <input type="checkbox" name="all" value="off" checked={!p.all} /> Unsubscribe from all emails
            </label>
          </p>
          <button type="submit">Save</button>
        </form>
      </main>
    </Layout>
  );
}

export function GonePage() {
  return (
    <Layout title="Link not valid">
      <main>
        <h1>This link is not valid</h1>
        <p>It may have expired, or your data was erased (then you will not hear from us again).</p>
      </main>
    </Layout>
  );
}
