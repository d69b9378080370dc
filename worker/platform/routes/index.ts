// The platform's router: public routes first, then the admin areas (the OpenAPI document lists them in this order).
import { newRouter } from "../../lib/openapi.ts";
import { gdprRoutes } from "./admin-contacts.ts";
import { jobsRoutes } from "./admin-jobs.ts";
import { keysRoutes } from "./admin-keys.ts";
import { webhooksRoutes } from "./admin-webhooks.ts";
import { publicRoutes } from "./public.ts";

export const platformRoutes = newRouter()
  .route("/", publicRoutes)
  .route("/", keysRoutes)
  .route("/", webhooksRoutes)
  .route("/", jobsRoutes)
  .route("/", gdprRoutes);

/** The human-readable API reference, which the app renders from its own OpenAPI document. */
export { type OpenApiDoc, ReferencePage } from "../views.tsx";
