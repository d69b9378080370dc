import { newRouter } from "../lib/openapi.ts";

export const feedbackRoutes = newRouter();
