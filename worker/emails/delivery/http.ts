import { RefusedUrl, safeFetch } from "../../lib/outbound.ts";
import { type Provider, ProviderError } from "./types.ts";

/**
 * A JSON request to the provider's API (through the outbound URL rule, as EMAIL_API_BASE is
 * configuration). No answer at all (a timeout, a broken connection) leaves the outcome uncertain;
 * an answer is the provider's word.
 */
async function request(
  env: Env,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await safeFetch(
      url,
      {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      },
      env,
    );
  } catch (e) {
    if (e instanceof RefusedUrl) throw new ProviderError(e.message, false);
    throw new ProviderError(e instanceof Error ? e.message : "request failed", true, true);
  }
  const text = await res.text();
  if (!res.ok) {
    // 4xx other than rate limits will not get better by retrying.
    throw new ProviderError(`HTTP ${res.status}: ${text.slice(0, 300)}`, res.status >= 500 || res.status === 429);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * Resend (https://resend.com/docs/api-reference/emails/send-email). It keeps an Idempotency-Key
 * for 24 hours and answers a repeat without sending again, so sending again is the way to settle
 * an uncertain attempt (every retry of a message falls within those 24 hours).
 */
export function resendProvider(env: Env): Provider {
  const base = env.EMAIL_API_BASE || "https://api.resend.com";
  return {
    name: "resend",
    dedupes: true,
    async send(mail) {
      const out = await request(
        env,
        `${base}/emails`,
        { authorization: `Bearer ${env.RESEND_API_KEY}`, "idempotency-key": mail.idempotencyKey.slice(0, 256) },
        {
          from: mail.from,
          to: [mail.to],
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          headers: mail.headers,
        },
      );
      return { id: typeof out.id === "string" ? out.id : null };
    },
  };
}

/**
 * Postmark (https://postmarkapp.com/developer/api/email-api). It has no idempotency key, but each
 * message carries Rapport's message id as metadata, and its outbound message search filters by
 * metadata: an uncertain attempt is settled by asking whether Postmark has the message.
 */
export function postmarkProvider(env: Env): Provider {
  const base = env.EMAIL_API_BASE || "https://api.postmarkapp.com";
  const auth = { "x-postmark-server-token": env.POSTMARK_TOKEN };
  return {
    name: "postmark",
    async find(messageId) {
      const q = new URLSearchParams({ count: "1", offset: "0", metadata_rapport_message_id: messageId });
      const out = await request(env, `${base}/messages/outbound?${q}`, auth);
      const [hit] = Array.isArray(out.Messages) ? (out.Messages as Array<{ MessageID?: unknown }>) : [];
      return hit ? { id: typeof hit.MessageID === "string" ? hit.MessageID : null } : null;
    },
    async send(mail) {
      const out = await request(env, `${base}/email`, auth, {
        From: mail.from,
        To: mail.to,
        Subject: mail.subject,
        HtmlBody: mail.html,
        TextBody: mail.text,
        MessageStream: "outbound",
        Headers: Object.entries(mail.headers).map(([Name, Value]) => ({ Name, Value })),
        Metadata: {
          idempotency_key: mail.idempotencyKey.slice(0, 80),
          rapport_message_id: mail.headers["X-Rapport-Message-Id"] ?? "",
        },
      });
      return { id: typeof out.MessageID === "string" ? out.MessageID : null };
    },
  };
}
