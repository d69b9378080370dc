import { EmailMessage } from "cloudflare:email";
import { Email } from "worker-mailer";
import { type Mail, type Provider, ProviderError, parseAddress } from "./types.ts";

/** The raw MIME message (RFC 5322) of `mail`, with its headers and both parts. */
export function mimeOf(mail: Mail, messageId: string): string {
  return new Email({
    from: parseAddress(mail.from),
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: { ...mail.headers, "Message-ID": messageId },
  }).getEmailData();
}

/**
 * Cloudflare's `send_email` binding (Email Routing). Add it to wrangler.toml as
 * `[[send_email]] name = "SEND_EMAIL"`; the sender must be on a domain with Email Routing.
 */
export function bindingProvider(env: Env): Provider {
  const binding = (env as Env & { SEND_EMAIL?: SendEmail }).SEND_EMAIL;
  return {
    name: "binding",
    async send(mail) {
      if (!binding)
        throw new ProviderError("EMAIL_PROVIDER=binding needs a send_email binding named SEND_EMAIL", false);
      const from = parseAddress(mail.from).email;
      const messageId = `<${mail.idempotencyKey.replace(/[^\w.-]/g, "_").slice(0, 120)}@${from.split("@")[1] ?? "rapport"}>`;
      try {
        await binding.send(new EmailMessage(from, mail.to, mimeOf(mail, messageId)));
      } catch (e) {
        // A recipient that is not a verified destination, or a sender off the routed domain, stays
        // refused however often it is tried: fail at once instead of retrying for hours.
        const message = e instanceof Error ? e.message : String(e);
        throw new ProviderError(
          `send_email: ${message}`,
          !/not allowed|could not parse|invalid|does not match/i.test(message),
        );
      }
      return { id: messageId };
    },
  };
}
