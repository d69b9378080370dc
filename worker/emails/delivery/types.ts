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

/** What a provider answered: its id for the message, and work left once the send is recorded. */
export type Accepted = { id: string | null; after?: Promise<unknown> };

/**
 * Sends one message; throws on failure (the queue retries). Resolves as soon as the provider has
 * accepted the message. How a send of unknown outcome is settled: `dedupes`, the provider
 * refuses a second message with the same idempotency key, so sending again is safe; `find`, the
 * provider can be asked whether it has the message; neither (SMTP, the binding), nobody can tell.
 */
export type Provider = {
  name: string;
  send(mail: Mail): Promise<Accepted>;
  dedupes?: boolean;
  /** Whether the provider has Rapport's message `messageId` (its id for it), or null when it has not. */
  find?(messageId: string): Promise<{ id: string | null } | null>;
};

export class ProviderError extends Error {
  /** False when retrying cannot help (bad request, refused address). */
  readonly retryable: boolean;
  /** True when the provider may have the message all the same (a broken connection after it left). */
  readonly uncertain: boolean;
  constructor(message: string, retryable = true, uncertain = false) {
    super(message);
    this.retryable = retryable;
    this.uncertain = uncertain;
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
