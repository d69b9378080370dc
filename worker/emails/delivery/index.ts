import { bindingProvider } from "./binding.ts";
import { postmarkProvider, resendProvider } from "./http.ts";
import { smtpProvider } from "./smtp.ts";
import type { Provider } from "./types.ts";

export type { Mail, Provider } from "./types.ts";
export { ProviderError } from "./types.ts";

export const PROVIDERS = ["outbox", "smtp", "resend", "postmark", "binding"] as const;

/**
 * The configured provider, or null for `outbox`: the stored row is the delivery (the
 * console shows it like a local mail catcher).
 */
export function providerFor(env: Env): Provider | null {
  switch (env.EMAIL_PROVIDER || "outbox") {
    case "smtp":
      return smtpProvider(env);
    case "resend":
      return resendProvider(env);
    case "postmark":
      return postmarkProvider(env);
    case "binding":
      return bindingProvider(env);
    default:
      return null;
  }
}
