import { newRouter } from "../lib/openapi.ts";

export const statusRoutes = newRouter();
