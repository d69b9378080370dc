import { LogLevel, WorkerMailer, type WorkerMailerOptions } from "worker-mailer";
import { mailerEmail, messageIdOf, type Provider, ProviderError } from "./types.ts";

const options = (env: Env): WorkerMailerOptions => ({
  host: env.SMTP_HOST,
  port: Number(env.SMTP_PORT || 587),
  secure: env.SMTP_SECURE === "true",
  startTls: env.SMTP_SECURE !== "true",
  credentials: env.SMTP_USER ? { username: env.SMTP_USER, password: env.SMTP_PASS } : undefined,
  authType: ["plain", "login"],
  logLevel: LogLevel.WARN,
  socketTimeoutMs: 15_000,
  responseTimeoutMs: 15_000,
});

/** worker-mailer's errors for a reply that refused MAIL FROM, RCPT TO, DATA or the message itself. */
const REFUSED = /^(Invalid (MAIL FROM|RCPT TO)|Failed to send DATA|Failed send email body)/;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * SMTP over `cloudflare:sockets` (worker-mailer). The send resolves on the server's 250 reply to
 * the message (RFC 5321 §4.1.1.4: from then on the server is responsible for it); QUIT follows
 * once the send is recorded. A failure before the session is open, or a reply refusing the
 * message, means the server did not take it; a timeout or a broken connection during the
 * transaction may have come after it did, so that outcome is uncertain.
 */
export function smtpProvider(env: Env): Provider {
  return {
    name: "smtp",
    async send(mail) {
      const messageId = messageIdOf(mail, "rapport");
      let mailer: WorkerMailer;
      try {
        mailer = await WorkerMailer.connect(options(env));
      } catch (e) {
        throw new ProviderError(`smtp: ${messageOf(e)}`);
      }
      try {
        await mailer.send(mailerEmail(mail, messageId));
      } catch (e) {
        const message = messageOf(e);
        mailer.close().catch(() => {});
        throw new ProviderError(`smtp: ${message}`, true, !REFUSED.test(message));
      }
      return { id: messageId, after: mailer.close() };
    },
  };
}
