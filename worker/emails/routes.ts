import { newRouter } from "../lib/openapi.ts";

export const emailsRoutes = newRouter();
