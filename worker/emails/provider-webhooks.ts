// Bounce and complaint webhooks from Resend and Postmark: the address is suppressed.
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { timingSafeEqual } from "../lib/crypto.ts";
import { getDb } from "../lib/db.ts";
import { createRoute, jsonBody, jsonContent, problemContent, z } from "../lib/openapi.ts";
import { Problem } from "../lib/problem.ts";
import { kickWebhooks, signWebhook } from "../lib/webhooks.ts";
import { suppressAddresses } from "./engagement.ts";
import { requireWriteKey } from "./write-key.ts";

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
  // POST /v1/webhooks/postmark — bounces (hard, or made inactive) and spam complaints suppress the address
  r.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/postmark",
      tags: ["emails: providers"],
      summary: "Postmark bounce and complaint webhook",
      description:
        "Point Postmark's Bounce and Spam Complaint webhooks here with HTTP Basic auth: an API key with the `emails` scope as username.",
      security: [{ writeKey: [] as string[] }],
      middleware: [requireWriteKey()] as RouteConfig["middleware"],
      request: { body: jsonBody(PostmarkEvent) },
      responses: {
        200: jsonContent(Suppressed, "Handled"),
        400: problemContent("Not a Postmark event"),
        401: problemContent("Missing or unknown key"),
        403: problemContent("The key lacks the `emails` scope"),
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
        "Verified by Resend's signature (RESEND_WEBHOOK_SECRET, the `whsec_…` signing secret) or, without one, an API key with the `emails` scope.",
      request: { body: jsonBody(z.unknown()) },
      responses: {
        200: jsonContent(Suppressed, "Handled"),
        400: problemContent("Not a Resend event"),
        401: problemContent("Bad signature and no key"),
      },
    }),
    async (c) => {
      const raw = await c.req.text();
      if (!(await resendSignatureOk(c.env, c.req.raw.headers, raw))) {
        // No valid signature: fall back to the write key.
        await requireWriteKey()(c, async () => {});
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
}
