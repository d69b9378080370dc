import { LogLevel, WorkerMailer } from "worker-mailer";
import { mailerEmail, messageIdOf, type Provider } from "./types.ts";

/** SMTP over `cloudflare:sockets` (worker-mailer). */
export function smtpProvider(env: Env): Provider {
  return {
    name: "smtp",
    async send(mail) {
      const messageId = messageIdOf(mail, "rapport");
      await WorkerMailer.send(
        {
          host: env.SMTP_HOST,
          port: Number(env.SMTP_PORT || 587),
          secure: env.SMTP_SECURE === "true",
          startTls: env.SMTP_SECURE !== "true",
          credentials: env.SMTP_USER ? { username: env.SMTP_USER, password: env.SMTP_PASS } : undefined,
          authType: ["plain", "login"],
          logLevel: LogLevel.WARN,
          socketTimeoutMs: 15_000,
          responseTimeoutMs: 15_000,
        },
        mailerEmail(mail, messageId),
      );
      return { id: messageId };
    },
  };
}
