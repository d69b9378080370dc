import { EmailMessage } from "cloudflare:email";
import { Email } from "worker-mailer";
import { type Mail, mailerEmail, messageIdOf, type Provider, ProviderError, parseAddress } from "./types.ts";

/** The raw MIME message (RFC 5322) of `mail`, with its headers and both parts. */
export function mimeOf(mail: Mail, messageId: string): string {
  const data = new Email(mailerEmail(mail, messageId)).getEmailData();
  return unframeSmtpData(data);
}

const DATA_END = "\r\n.\r\n";

/**
 * worker-mailer builds a message only in its SMTP DATA form (RFC 5321 §4.5.2: a dot doubled at the
 * start of each line, then CRLF.CRLF); an API that takes the message itself needs it as written.
 */
export function unframeSmtpData(data: string): string {
  if (!data.endsWith(DATA_END)) throw new Error("worker-mailer's message no longer ends in CRLF.CRLF");
  // As a receiver reads it: the closing "." line goes (the CRLF before it ends the last line), and
  // each line's leading dot is dropped (worker-mailer doubled every one).
  return data.slice(0, -".\r\n".length).replace(/(^|\r\n)\./g, "$1");
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
      const messageId = messageIdOf(mail, from.split("@")[1] ?? "rapport");
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
