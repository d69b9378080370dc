import { type Provider, ProviderError } from "./types.ts";

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    throw new ProviderError(e instanceof Error ? e.message : "request failed");
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

/** Resend (https://resend.com/docs/api-reference/emails/send-email); honours Idempotency-Key. */
export function resendProvider(env: Env): Provider {
  const base = env.EMAIL_API_BASE || "https://api.resend.com";
  return {
    name: "resend",
    async send(mail) {
      const out = await post(
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

/** Postmark (https://postmarkapp.com/developer/api/email-api). */
export function postmarkProvider(env: Env): Provider {
  const base = env.EMAIL_API_BASE || "https://api.postmarkapp.com";
  return {
    name: "postmark",
    async send(mail) {
      const out = await post(
        `${base}/email`,
        { "x-postmark-server-token": env.POSTMARK_TOKEN },
        {
          From: mail.from,
          To: mail.to,
          Subject: mail.subject,
          HtmlBody: mail.html,
          TextBody: mail.text,
          MessageStream: "outbound",
          Headers: Object.entries(mail.headers).map(([Name, Value]) => ({ Name, Value })),
          Metadata: { idempotency_key: mail.idempotencyKey.slice(0, 80) },
        },
      );
      return { id: typeof out.MessageID === "string" ? out.MessageID : null };
    },
  };
}
