// zod schemas of every request body and query of emails, with the inferred types.
import { z } from "@hono/zod-openapi";
import { CONSENT_TOPICS, EMAIL_TOPICS } from "../../db/schema/index.ts";

const MAX_JSON = 32 * 1024;
const jsonObject = (what: string) =>
  z
    .record(z.string().max(200), z.unknown())
    .refine((v) => JSON.stringify(v).length <= MAX_JSON, `${what} must serialise to at most 32 KiB`);

const isoTime = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)) && Date.parse(s) > Date.UTC(2000, 0, 1), "an ISO 8601 time after 2000");

const id = z.union([z.string().min(1).max(200), z.number().int().transform(String)]);

export const SegmentContext = z
  .looseObject({
    traits: jsonObject("context.traits").optional(),
    timezone: z.string().max(64).optional(),
    consent: z
      .looseObject({
        categoryPreferences: z.record(z.string().max(64), z.boolean()).optional(),
      })
      .optional(),
  })
  .openapi({ description: "Segment context; `timezone`, `traits` and `consent.categoryPreferences` are read" });

const common = {
  messageId: z.string().min(1).max(200).optional().openapi({ description: "Makes the call idempotent" }),
  userId: id.optional().openapi({ description: "The host app's user id (the contact's external id)" }),
  anonymousId: id.optional(),
  timestamp: isoTime.optional().openapi({ description: "When it happened; past times backfill" }),
  originalTimestamp: isoTime.optional(),
  sentAt: isoTime.optional(),
  context: SegmentContext.optional(),
  integrations: z.record(z.string().max(200), z.unknown()).optional(),
};
const named = (o: { userId?: string; anonymousId?: string }) => Boolean(o.userId ?? o.anonymousId);
const NAMED = { message: "userId or anonymousId is required", path: ["userId"] };

export const TrackCall = z
  .object({
    ...common,
    type: z.literal("track").optional(),
    event: z.string().trim().min(1).max(200),
    properties: jsonObject("properties").optional(),
  })
  .refine(named, NAMED)
  .openapi("TrackCall");
export const IdentifyCall = z
  .object({ ...common, type: z.literal("identify").optional(), traits: jsonObject("traits").optional() })
  .refine(named, NAMED)
  .openapi("IdentifyCall");
const PageCall = z
  .object({
    ...common,
    type: z.enum(["page", "screen"]),
    name: z.string().max(200).optional(),
    properties: jsonObject("properties").optional(),
  })
  .refine(named, NAMED);
const OtherCall = z.object({ ...common, type: z.enum(["group", "alias"]) }).loose();

export const AnyCall = z.union([
  TrackCall.and(z.object({ type: z.literal("track") })),
  IdentifyCall.and(z.object({ type: z.literal("identify") })),
  PageCall,
  OtherCall,
]);
export type AnyCallT = z.infer<typeof AnyCall>;

export const BatchBody = z
  .object({
    batch: z.array(AnyCall).min(1).max(500),
    context: SegmentContext.optional(),
    sentAt: isoTime.optional(),
  })
  .openapi("BatchBody");

export const IngestResult = z
  .object({
    success: z.literal(true),
    accepted: z.number().int().openapi({ description: "New events and identifies written" }),
    duplicates: z.number().int().openapi({ description: "Events whose messageId was already seen" }),
    ignored: z.number().int().openapi({ description: "group and alias calls (accepted, not used)" }),
  })
  .openapi("IngestResult");

export const ConsentBody = z
  .object(Object.fromEntries(CONSENT_TOPICS.map((t) => [t, z.boolean().nullable().optional()])))
  .openapi("Consent");

export const TopicEnum = z.enum(EMAIL_TOPICS);
