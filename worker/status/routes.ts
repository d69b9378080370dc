import { newRouter } from "../lib/openapi.ts";
import { adminRoutes } from "./admin-routes.ts";

export const statusRoutes = newRouter();
statusRoutes.route("/", adminRoutes);
