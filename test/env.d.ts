export {};

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      RECEIVER_URL: string;
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    receiverPort: number;
    rapportUrl: string;
    rapportKey: string;
  }
}
