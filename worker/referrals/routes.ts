import { newRouter } from "../lib/openapi.ts";

export const referralsRoutes = newRouter();
