// The pages a one-click NPS link opens: the score form and short messages.
import { Layout } from "../lib/html.tsx";

const CSS = `
.scores{display:flex;flex-wrap:wrap;gap:.35rem;border:0;padding:0;margin:1rem 0}
.scores label{display:block}
.scores input{position:absolute;opacity:0;width:1px;height:1px}
.scores span{display:inline-block;min-width:2.6rem;padding:.55rem 0;text-align:center;border:1px solid var(--line);border-radius:6px;cursor:pointer;font-weight:600}
.scores input:checked+span{background:var(--accent);color:#fff;border-color:var(--accent)}
.scores input:focus-visible+span{outline:3px solid var(--accent);outline-offset:2px}
.ends{display:flex;justify-content:space-between;max-width:34rem;font-size:.85em}
textarea{width:100%;max-width:34rem;min-height:6rem;font:inherit;padding:.5rem}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:0;background:var(--accent);color:#fff;cursor:pointer;margin-top:.75rem}
`;

export type FormProps = {
  surveyId: string;
  question: string;
  contactId: string;
  sig: string;
  score: number | null;
  comment?: string | null;
  saved?: boolean;
  error?: string;
};

export function AnswerPage(p: FormProps) {
  return (
    <Layout title={p.saved ? "Thank you" : "Your answer"}>
      <main>
        <style>{CSS}</style>
        {p.saved ? (
          <div role="status">
            <h1>Thank you!</h1>
            <p>
              We recorded <strong>{p.score}</strong>. You can change your score or tell us why below.
            </p>
          </div>
        ) : (
          <h1>{p.question}</h1>
        )}
        {p.error ? (
          <p role="alert" style="color:var(--bad)">
            {p.error}
          </p>
        ) : null}
        <form method="post" action={`/nps/${encodeURIComponent(p.surveyId)}`}>
          <input type="hidden" name="c" value={p.contactId} />
          <input type="hidden" name="s" value={p.sig} />
          <fieldset class="scores">
            <legend>{p.saved ? p.question : "Your score, from 0 (not at all likely) to 10 (extremely likely)"}</legend>
            {Array.from({ length: 11 }, (_, n) => (
              <label>
                <input type="radio" name="score" value={String(n)} checked={p.score === n} required />
                <span>{n}</span>
              </label>
            ))}
          </fieldset>
          <div class="ends muted" aria-hidden="true">
            <span>Not at all likely</span>
            <span>Extremely likely</span>
          </div>
          <p>
            <label for="comment">What is the main reason for your score? (optional)</label>
            <br />
            <textarea id="comment" name="comment" maxlength={2000}>
              {p.comment ?? ""}
            </textarea>
          </p>
          <button type="submit">{p.saved ? "Update my answer" : "Send my answer"}</button>
        </form>
      </main>
    </Layout>
  );
}

export function MessagePage(p: { title: string; text: string }) {
  return (
    <Layout title={p.title}>
      <main>
        <h1>{p.title}</h1>
        <p>{p.text}</p>
      </main>
    </Layout>
  );
}
