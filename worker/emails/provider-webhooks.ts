// Bounce and complaint webhooks from Resend and Postmark (the address is suppressed), and the
// secrets Postmark's webhook authenticates with.
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { timingSafeEqual } from "../lib/crypto.ts";
import { getDb } from "../lib/db.ts";
import type { AppEnv } from "../lib/env.ts";
import { adminRoute, createRoute, jsonBody, jsonContent, problemContent, z } from "../lib/openapi.ts";
import { Problem } from "../lib/problem.ts";
import { kickWebhooks, signWebhook } from "../lib/webhooks.ts";
import { suppressAddresses } from "./engagement.ts";
import {
  createProviderSecret,
  listProviderSecrets,
  providerSecretView,
  providerWebhookUrl,
  requireProviderSecret,
  revokeProviderSecret,
} from "./provider-secrets.ts";
import { CreatedProviderSecret, IdParam, ProviderSecret, ProviderSecretBody } from "./schemas.ts";

const Email = z.string().max(320);
const Suppressed = z.object({ suppressed: z.number().int() });

/** Postmark bounce and spam-complaint webhooks (https://postmarkapp.com/developer/webhooks). */
export const PostmarkEvent = z.looseObject({
  RecordType: z.string().max(50),
  Type: z.string().max(50).optional(),
  Email: Email.optional(),
  Recipient: Email.optional(),
  Inactive: z.boolean().optional(),
});

/** Resend webhooks (https://resend.com/docs/dashboard/webhooks/event-types). */
export const ResendEvent = z.looseObject({
  type: z.string().max(50),
  data: z.looseObject({
    to: z.array(Email).max(50).optional(),
    bounce: z.looseObject({ type: z.string().max(50).optional() }).optional(),
  }),
});

/** Svix-style signature (Resend): `v1,base64(HMAC(secret, id.timestamp.body))`, any of the listed. */
async function resendSignatureOk(env: Env, headers: Headers, body: string): Promise<boolean> {
  const id = headers.get("svix-id") ?? headers.get("webhook-id");
  const ts = headers.get("svix-timestamp") ?? headers.get("webhook-timestamp");
  const sigs = (headers.get("svix-signature") ?? headers.get("webhook-signature") ?? "").split(" ");
  if (!env.RESEND_WEBHOOK_SECRET || !id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = await signWebhook(env.RESEND_WEBHOOK_SECRET, id, Number(ts), body);
  return sigs.some((s) => timingSafeEqual(s, expected));
}

export function registerProviderWebhooks(r: OpenAPIHono<AppEnv>) {
  r.openAPIRegistry.registerComponent("securitySchemes", "providerSecret", {
    type: "http",
    scheme: "basic",
    description:
      "A webhook secret made for one provider (`POST /api/v1/emails/provider-secrets`) as the Basic password. It opens that webhook only.",
  });

  // POST /v1/webhooks/postmark — bounces (hard, or made inactive) and spam complaints suppress the address
  r.openapi(
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
      const e = c.req.valid("json");
      const email = e.Email ?? e.Recipient;
      const hard = e.RecordType === "Bounce" && (e.Inactive === true || e.Type === "HardBounce");
      const complaint = e.RecordType === "SpamComplaint";
      const n =
        email && (hard || complaint)
          ? await suppressAddresses(getDb(c.env.DB), [{ email, reason: complaint ? "complained" : "bounced" }])
          : 0;
      if (n) c.executionCtx.waitUntil(kickWebhooks(c.env));
      return c.json({ suppressed: n }, 200);
    },
  );

  // POST /v1/webhooks/resend — email.bounced (permanent) and email.complained suppress the address
  r.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/resend",
      tags: ["emails: providers"],
      summary: "Resend bounce and complaint webhook",
      description:
        "Verified by Resend's signature with RESEND_WEBHOOK_SECRET (the endpoint's `whsec_…` signing secret, a credential for this webhook only). API keys are refused.",
      request: { body: jsonBody(z.unknown()) },
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
      let parsed: z.infer<typeof ResendEvent>;
      try {
        parsed = ResendEvent.parse(JSON.parse(raw));
      } catch {
        throw new Problem(400, "validation-failed", "Not a Resend webhook event");
      }
      const permanent = parsed.type === "email.bounced" && (parsed.data.bounce?.type ?? "Permanent") === "Permanent";
      const reason = parsed.type === "email.complained" ? "complained" : permanent ? "bounced" : null;
      const n = reason
        ? await suppressAddresses(
            getDb(c.env.DB),
            (parsed.data.to ?? []).map((email) => ({ email, reason })),
          )
        : 0;
      if (n) c.executionCtx.waitUntil(kickWebhooks(c.env));
      return c.json({ suppressed: n }, 200);
    },
  );

  // GET /api/v1/emails/provider-secrets — provider webhook secrets, newest first (never the secrets)
  r.openapi(
    adminRoute("emails", {
      method: "get",
      path: "/api/v1/emails/provider-secrets",
      tags: ["emails: providers"],
      summary: "List provider webhook secrets",
      responses: { 200: jsonContent(z.object({ data: z.array(ProviderSecret) }), "Secrets, newest first") },
    }),
    async (c) => c.json({ data: (await listProviderSecrets(getDb(c.env.DB))).map(providerSecretView) }, 200),
  );

  // POST /api/v1/emails/provider-secrets — make a secret; the response is the only time it is shown
  r.openapi(
    adminRoute("emails", {
      method: "post",
      path: "/api/v1/emails/provider-secrets",
      tags: ["emails: providers"],
      summary: "Create a provider webhook secret",
      description: "The answer holds the secret and the exact webhook URL to paste into the provider, once.",
      request: { body: jsonBody(ProviderSecretBody) },
      responses: {
        201: jsonContent(CreatedProviderSecret, "The secret and webhook URL, shown once"),
        400: problemContent("Invalid"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { row, secret } = await createProviderSecret(getDb(c.env.DB), body, Date.now());
      const webhookUrl = providerWebhookUrl(c.env.PUBLIC_URL, row.provider, secret);
      return c.json({ ...providerSecretView(row), secret, webhookUrl }, 201);
    },
  );

  // DELETE /api/v1/emails/provider-secrets/:id — revoke; the provider's next call is refused
  r.openapi(
    adminRoute("emails", {
      method: "delete",
      path: "/api/v1/emails/provider-secrets/{id}",
      tags: ["emails: providers"],
      summary: "Revoke a provider webhook secret",
      request: { params: IdParam },
      responses: { 200: jsonContent(ProviderSecret, "The revoked secret"), 404: problemContent("No such secret") },
    }),
    async (c) => {
      const row = await revokeProviderSecret(getDb(c.env.DB), c.req.valid("param").id, Date.now());
      return c.json(providerSecretView(row), 200);
    },
  );
}
