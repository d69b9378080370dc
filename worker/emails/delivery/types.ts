/** A rendered message ready for a provider. */
export type Mail = {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Same key on every attempt: providers that honour it never send twice. */
  idempotencyKey: string;
};

/** Sends one message; throws on failure (the queue retries). Returns the provider's id. */
export type Provider = { name: string; send(mail: Mail): Promise<{ id: string | null }> };

export class ProviderError extends Error {
  /** False when retrying cannot help (bad request, refused address). */
  readonly retryable: boolean;
  constructor(message: string, retryable = true) {
    super(message);
    this.retryable = retryable;
  }
}

/** "Name <addr@x>" or "addr@x" -> its parts. */
export function parseAddress(from: string): { name?: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1] || undefined, email: m[2].trim() } : { email: from.trim() };
}

/** The Message-ID of `mail` at `domain`: made from its idempotency key, so the same on every attempt. */
export const messageIdOf = (mail: Mail, domain: string) =>
  `<${mail.idempotencyKey.replace(/[^\w.-]/g, "_").slice(0, 120)}@${domain}>`;

/** `mail` as worker-mailer takes it, with its Message-ID. */
export function mailerEmail(mail: Mail, messageId: string) {
  return {
    from: parseAddress(mail.from),
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: { ...mail.headers, "Message-ID": messageId },
  };
}
