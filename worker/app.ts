import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { getPath } from "hono/utils/url";
import pkg from "../package.json";
import { emailsRoutes } from "./emails/routes/index.ts";
import { feedbackRoutes } from "./feedback/routes/index.ts";
import { kpisRoutes } from "./kpis/routes/index.ts";
import type { AppEnv } from "./lib/env.ts";
import { newRouter } from "./lib/openapi.ts";
import { Problem, problemResponse, slugOfStatus } from "./lib/problem.ts";
import { npsRoutes } from "./nps/routes/index.ts";
import { type OpenApiDoc, platformRoutes, ReferencePage } from "./platform/routes/index.ts";
import { referralsRoutes } from "./referrals/routes/index.ts";
import { publicStatusCors, routedPath } from "./status/index.ts";
import { statusRoutes } from "./status/routes/index.ts";

// On a status page's own host only that page's paths route anywhere (worker/status/hosts.ts).
export const app = newRouter((req) => routedPath(req, getPath(req)));

app.use(requestId({ headerName: "x-request-id" }));
app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
    crossOriginResourcePolicy: false,
  }),
);
// The console is same-origin; CORS is only for a console served from elsewhere.
app.use(
  "/api/*",
  cors({
    origin: (origin, c: Context<AppEnv>) => (c.env.CONSOLE_ORIGIN && origin === c.env.CONSOLE_ORIGIN ? origin : null),
    allowHeaders: ["authorization", "content-type", "idempotency-key", "x-d1-bookmark"],
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    exposeHeaders: ["x-request-id", "retry-after", "x-d1-bookmark"],
    maxAge: 600,
  }),
);
// Segment-compatible ingestion is called by browsers on any origin; the write key authenticates, never a cookie.
app.use(
  "/v1/*",
  cors({
    origin: "*",
    allowHeaders: ["authorization", "content-type", "content-encoding", "x-retry-count", "anonymousid"],
    allowMethods: ["POST"],
    maxAge: 86400,
  }),
);
app.use(
  bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new Problem(413, "payload-too-large", "Request bodies are limited to 1 MiB");
    },
  }),
);
// JSON APIs take JSON: refuse any other declared body type before validation sees it.
app.use("/api/*", async (c, next) => {
  const hasBody = c.req.header("content-length")
    ? c.req.header("content-length") !== "0"
    : c.req.header("transfer-encoding") !== undefined;
  if (hasBody && ["POST", "PUT", "PATCH"].includes(c.req.method)) {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      throw new Problem(
        415,
        "unsupported-media-type",
        "Send the body as `application/json`",
        {},
        {
          "accept-post": "application/json",
        },
      );
    }
  }
  await next();
});

app.use(publicStatusCors);

app.route("/", platformRoutes);
app.route("/", referralsRoutes);
app.route("/", feedbackRoutes);
app.route("/", statusRoutes);
app.route("/", emailsRoutes);
app.route("/", kpisRoutes);
app.route("/", npsRoutes);

app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
  type: "http",
  scheme: "bearer",
  description: "An API key created with `npm run key -- create` or POST /api/v1/keys",
});
app.openAPIRegistry.registerComponent("securitySchemes", "identityToken", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description:
    "A visitor identity token the host app signs with IDENTITY_SECRET (HS256, exp required, at most IDENTITY_MAX_LIFETIME_DAYS after iat, iat not in the future)",
});

const openApiConfig = {
  openapi: "3.1.0",
  info: { title: "Rapport", version: pkg.version, description: pkg.description },
};
app.doc31("/api/v1/openapi.json", openApiConfig);

// GET /api/v1/docs — the human-readable reference, rendered from the same document
app.get("/api/v1/docs", (c) => {
  const doc = app.getOpenAPI31Document(openApiConfig) as unknown as OpenApiDoc;
  return c.html(ReferencePage({ doc }));
});

// GET /console/* — the marketers' console (static Astro build)
app.get("/console", (c) => c.redirect("/console/", 302));
app.get("/console/*", async (c) => {
  const res = await c.env.ASSETS.fetch(c.req.raw);
  return new Response(res.body, res); // assets responses are immutable; headers are added after
});
app.get("/", (c) => c.redirect("/console/", 302));

/** Route patterns as regexes, to tell a wrong method (405) from a wrong path (404). */
let routeIndex: Array<{ re: RegExp; method: string }> | undefined;
function allowedMethods(path: string): string[] {
  routeIndex ??= app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      re: new RegExp(
        `^${r.path
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace(/\/\*$/, "/.*")
          .replace(/:[^/]+/g, "[^/]+")}/?$`,
      ),
    }));
  return [...new Set(routeIndex.filter((r) => r.re.test(path)).map((r) => r.method))];
}

app.notFound((c) => {
  const allow = allowedMethods(c.req.path);
  if (allow.length) {
    return problemResponse(
      c,
      new Problem(405, "method-not-allowed", `Use ${allow.join(", ")}`, {}, { allow: allow.join(", ") }),
    );
  }
  return problemResponse(c, new Problem(404, "not-found", "No such route"));
});

/** Every failure leaves as problem+json; a 500 never shows internals. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof Problem) return problemResponse(c, err);
  // Middleware (body limit, validators, media-type checks) throws bare HTTP statuses.
  if (err instanceof HTTPException && err.status < 500) {
    return problemResponse(c, new Problem(err.status, slugOfStatus(err.status), err.message));
  }
  console.error("unhandled error", c.get("requestId"), err);
  return problemResponse(c, new Problem(500, "internal", "The error was logged with this request id"));
}
app.onError(handleError);
