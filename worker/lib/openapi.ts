import { createRoute, OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { AdminScope } from "../../db/schema/index.ts";
import { requireScope } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { fieldErrors, Problem } from "./problem.ts";
import "./zod-words.ts"; // every validation message in words

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:rapport:problem:validation-failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .openapi("Problem");

export const problemContent = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** One router per capability; every validation failure becomes the same 400 problem. */
/** A required JSON request body validated by `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
  required: true,
});

export function newRouter(getPath?: (request: Request) => string) {
  return new OpenAPIHono<AppEnv>({
    // Only the app itself routes by more than the path (a status page's own host).
    ...(getPath ? { getPath } : {}),
    defaultHook: (result, _c) => {
      if (!result.success) {
        const target = (result as { target?: string }).target;
        throw new Problem(400, "validation-failed", "Some fields are not valid", {
          errors: fieldErrors(result.error.issues, target === "json" ? "body" : target),
        });
      }
    },
  });
}

const authResponses = {
  401: problemContent("Missing, unknown or revoked API key"),
  403: problemContent("The key lacks the scope this needs"),
} as const;

/** An admin route: documented with its security and refusals, guarded by `requireScope(scope)`. */
export function adminRoute<R extends RouteConfig>(scope: AdminScope, route: R) {
  return createRoute({
    ...route,
    security: [{ apiKey: [] }],
    description:
      `${route.description ?? ""}\n\nRequires the \`${scope}\` scope${scope === "admin" ? "" : " (or `admin`; `read` for GET)"}.`.trim(),
    middleware: [requireScope(scope), ...((route.middleware as []) ?? [])],
    responses: { ...authResponses, ...route.responses },
  });
}

type Undefaulted<T> = T extends z.ZodDefault<infer Inner> ? Inner : T;

/**
 * A PATCH body made from a create body: every field optional and without its default, so a field
 * that is not sent stays as it is (zod's `.partial()` still fills in defaults).
 */
export function patchOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([k, v]) => [k, z.optional(v instanceof z.ZodDefault ? v.unwrap() : v)]),
  );
  // A new object, not `.extend()`: the document would show an extension of the create body (its required fields).
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof S]: z.ZodOptional<Undefaulted<S[K]>> }>;
}

/** Keyset paging: `cursor` is the last id of the previous page (ids sort by creation). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional().openapi({ description: "The `nextCursor` of the previous page" }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** The page of `rows` (fetched with limit + 1) and the cursor for the next one. */
export function toPage<T extends { id: string }>(rows: T[], limit: number) {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? data[data.length - 1].id : null };
}

export { createRoute, z };

/**
 * The admin operations of one capability area: scope and tags are given once, and each
 * operation is its contract (`method`, `path`, `summary`, `request`, `responses`) and handler.
 */
export function adminOps(router: OpenAPIHono<AppEnv>, scope: AdminScope, tags: string[]) {
  return <const R extends Omit<RouteConfig, "tags">>(route: R, handler: RouteHandler<R & { tags: string[] }, AppEnv>) =>
    router.openapi(adminRoute(scope, { ...route, tags }), handler as never);
}
