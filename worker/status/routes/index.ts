import { newRouter } from "../../lib/openapi.ts";
import { monitorRoutes } from "./admin-monitors.ts";
import { adminRoutes } from "./admin-pages.ts";
import { publicRoutes } from "./public.ts";
import { subscribeRoutes } from "./public-subscribe.ts";

export const statusRoutes = newRouter();
statusRoutes.route("/", adminRoutes);
statusRoutes.route("/", monitorRoutes);
statusRoutes.route("/", subscribeRoutes);
statusRoutes.route("/", publicRoutes);
