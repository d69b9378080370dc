import { newRouter } from "../lib/openapi.ts";
import { adminRoutes } from "./admin-routes.ts";
import { monitorRoutes } from "./monitor-routes.ts";
import { publicRoutes } from "./public-routes.ts";
import { subscribeRoutes } from "./subscribe-routes.ts";

export const statusRoutes = newRouter();
statusRoutes.route("/", adminRoutes);
statusRoutes.route("/", monitorRoutes);
statusRoutes.route("/", subscribeRoutes);
statusRoutes.route("/", publicRoutes);
