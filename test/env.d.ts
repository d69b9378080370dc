export {};

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      RECEIVER_URL: string;
      SMTP_TEST_URL: string;
      BINDING_MAIL_URL: string;
      POSTMARK_TEST_URL: string;
      HELD_QUIT_SMTP_PORT: string;
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    receiverPort: number;
    smtpPort: number;
    smtpApiPort: number;
    bindingMailPort: number;
    postmarkPort: number;
    heldQuitSmtpPort: number;
    rapportUrl: string;
    rapportKey: string;
  }
}
