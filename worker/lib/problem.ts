import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable problem types (RFC 9457). The slug is part of the API contract: never rename one. */
export const PROBLEM_TITLES = {
  "validation-failed": "The request is not valid",
  "malformed-body": "The request body could not be read",
  unauthorized: "Authentication is required",
  forbidden: "This key may not do that",
  "not-found": "Not found",
  "method-not-allowed": "Method not allowed",
  conflict: "Conflict",
  "payload-too-large": "The request body is too large",
  "unsupported-media-type": "Unsupported media type",
  "rate-limited": "Too many requests",
  "client-error": "The request was refused",
  internal: "Something went wrong on our side",
} as const;
export type ProblemSlug = keyof typeof PROBLEM_TITLES;

export type FieldError = { path: string; message: string; code?: string };

export class Problem extends Error {
  readonly status: ContentfulStatusCode;
  readonly slug: ProblemSlug;
  readonly detail?: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    slug: ProblemSlug,
    detail?: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? PROBLEM_TITLES[slug]);
    this.status = status;
    this.slug = slug;
    this.detail = detail;
    this.extra = extra;
    this.headers = headers;
  }
}

/** The problem a bare HTTP status stands for (what middleware throws); `internal` is only ever a 5xx. */
export function slugOfStatus(status: number): ProblemSlug {
  if (status >= 500) return "internal";
  const known: Partial<Record<number, ProblemSlug>> = {
    400: "malformed-body",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
  };
  return known[status] ?? "client-error";
}

export const problemType = (slug: ProblemSlug) => `urn:rapport:problem:${slug}`;

export const notFound = (detail = "No such resource") => new Problem(404, "not-found", detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new Problem(409, "conflict", detail, extra);
export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new Problem(400, "validation-failed", detail, errors.length ? { errors } : {});

export function problemResponse(c: Context, p: Problem): Response {
  const body = {
    type: problemType(p.slug),
    title: PROBLEM_TITLES[p.slug],
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    instance: new URL(c.req.url).pathname,
    requestId: c.get("requestId"),
    ...p.extra,
  };
  return new Response(JSON.stringify(body), {
    status: p.status,
    headers: { "content-type": "application/problem+json", ...p.headers },
  });
}

/** zod issues -> field-level errors, paths prefixed with where the value came from. */
export function fieldErrors(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>,
  target?: string,
): FieldError[] {
  return issues.map((i) => ({
    path: [target, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message,
    code: i.code,
  }));
}
