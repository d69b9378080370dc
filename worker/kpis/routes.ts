import { newRouter } from "../lib/openapi.ts";

export const kpisRoutes = newRouter();
