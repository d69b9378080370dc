// Bounce and complaint webhooks from Resend and Postmark (the address is suppressed), and the
// secrets Postmark's webhook authenticates with.
import type { RouteConfig } from "@hono/zod-openapi";
import { getDb } from "../../lib/db.ts";
import { adminOps, createRoute, jsonBody, jsonContent, newRouter, problemContent } from "../../lib/openapi.ts";
import { Problem } from "../../lib/problem.ts";
import { kickWebhooks } from "../../lib/webhooks.ts";
import { postmarkSuppressions, resendSuppressions } from "../bounces.ts";
import {
  CreatedProviderSecret,
  IdParam,
  PostmarkEvent,
  ProviderSecret,
  ProviderSecretBody,
  ProviderSecretList,
  ResendBody,
  ResendEvent,
  type ResendEventT,
  Suppressed,
} from "../schemas.ts";
import {
  createProviderSecret,
  listProviderSecrets,
  revokeProviderSecret,
  type WebhookProvider,
} from "../store/provider-secrets.ts";
import { suppressAddresses } from "../store/suppressions.ts";
import { requireProviderSecret, resendSignatureOk } from "./guards.ts";

export const providerRoutes = newRouter();
const op = adminOps(providerRoutes, "emails", ["emails: providers"]);

providerRoutes.openAPIRegistry.registerComponent("securitySchemes", "providerSecret", {
  type: "http",
  scheme: "basic",
  description:
    "A webhook secret made for one provider (`POST /api/v1/emails/provider-secrets`) as the Basic password. It opens that webhook only.",
});

/** A secret as the API shows it: never the secret nor its hash. */
const providerSecretView = ({ hash: _, ...view }: Awaited<ReturnType<typeof revokeProviderSecret>>) => view;

/** The URL to paste into the provider: the secret is the HTTP Basic password (Postmark takes it in the URL). */
function providerWebhookUrl(publicUrl: string, provider: WebhookProvider, secret: string): string {
  const url = new URL(`/v1/webhooks/${provider}`, publicUrl);
  url.username = provider;
  url.password = secret;
  return url.href;
}

// POST /v1/webhooks/postmark — bounces (hard, or made inactive) and spam complaints suppress the address
providerRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/postmark",
    tags: ["emails: providers"],
    summary: "Postmark bounce and complaint webhook",
    description:
      "Point Postmark's Bounce and Spam Complaint webhooks at the `webhookUrl` of `POST /api/v1/emails/provider-secrets`: a Postmark webhook secret is the HTTP Basic password (the user name is ignored). API keys are refused.",
    security: [{ providerSecret: [] as string[] }],
    middleware: [requireProviderSecret("postmark")] as RouteConfig["middleware"],
    request: { body: jsonBody(PostmarkEvent) },
    responses: {
      200: jsonContent(Suppressed, "Handled"),
      400: problemContent("Not a Postmark event"),
      401: problemContent("Missing, unknown or revoked Postmark webhook secret"),
    },
  }),
  async (c) => {
    const n = await suppressAddresses(getDb(c.env.DB), postmarkSuppressions(c.req.valid("json")));
    if (n) c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json({ suppressed: n }, 200);
  },
);

// POST /v1/webhooks/resend — email.bounced (permanent) and email.complained suppress the address
providerRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/resend",
    tags: ["emails: providers"],
    summary: "Resend bounce and complaint webhook",
    description:
      "Verified by Resend's signature with RESEND_WEBHOOK_SECRET (the endpoint's `whsec_…` signing secret, a credential for this webhook only). API keys are refused.",
    request: { body: jsonBody(ResendBody) },
    responses: {
      200: jsonContent(Suppressed, "Handled"),
      400: problemContent("Not a Resend event"),
      401: problemContent("Missing or bad signature"),
    },
  }),
  async (c) => {
    const raw = await c.req.text();
    if (!(await resendSignatureOk(c.env, c.req.raw.headers, raw))) {
      throw new Problem(401, "unauthorized", "Not signed with RESEND_WEBHOOK_SECRET");
    }
    let parsed: ResendEventT;
    try {
      parsed = ResendEvent.parse(JSON.parse(raw));
    } catch {
      throw new Problem(400, "validation-failed", "Not a Resend webhook event");
    }
    const n = await suppressAddresses(getDb(c.env.DB), resendSuppressions(parsed));
    if (n) c.executionCtx.waitUntil(kickWebhooks(c.env));
    return c.json({ suppressed: n }, 200);
  },
);

// GET /api/v1/emails/provider-secrets — provider webhook secrets, newest first (never the secrets)
op(
  {
    method: "get",
    path: "/api/v1/emails/provider-secrets",
    summary: "List provider webhook secrets",
    responses: { 200: jsonContent(ProviderSecretList, "Secrets, newest first") },
  },
  async (c) => c.json({ data: (await listProviderSecrets(getDb(c.env.DB))).map(providerSecretView) }, 200),
);

// POST /api/v1/emails/provider-secrets — make a secret; the response is the only time it is shown
op(
  {
    method: "post",
    path: "/api/v1/emails/provider-secrets",
    summary: "Create a provider webhook secret",
    description: "The answer holds the secret and the exact webhook URL to paste into the provider, once.",
    request: { body: jsonBody(ProviderSecretBody) },
    responses: {
      201: jsonContent(CreatedProviderSecret, "The secret and webhook URL, shown once"),
      400: problemContent("Invalid"),
    },
  },
  async (c) => {
    const { row, secret } = await createProviderSecret(getDb(c.env.DB), c.req.valid("json"), Date.now());
    const webhookUrl = providerWebhookUrl(c.env.PUBLIC_URL, row.provider, secret);
    return c.json({ ...providerSecretView(row), secret, webhookUrl }, 201);
  },
);

// DELETE /api/v1/emails/provider-secrets/:id — revoke; the provider's next call is refused
op(
  {
    method: "delete",
    path: "/api/v1/emails/provider-secrets/{id}",
    summary: "Revoke a provider webhook secret",
    request: { params: IdParam },
    responses: { 200: jsonContent(ProviderSecret, "The revoked secret"), 404: problemContent("No such secret") },
  },
  async (c) => {
    const row = await revokeProviderSecret(getDb(c.env.DB), c.req.valid("param").id, Date.now());
    return c.json(providerSecretView(row), 200);
  },
);
